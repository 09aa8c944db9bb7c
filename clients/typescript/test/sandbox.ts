/** The project's sandbox (`export-api-sandbox`): the whole stack on free ports, for the tests against it. */

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { REPOSITORY } from "./support.js";

export interface SandboxInfo {
  baseUrl: string;
  companyId: string;
  bearerToken: string;
  apiKey: string;
  adminToken: string;
}

/** EXPORT_API_SANDBOX, else the repository's `.venv/bin/export-api-sandbox` (`make install`). */
export const SANDBOX_COMMAND = process.env.EXPORT_API_SANDBOX ?? join(REPOSITORY, ".venv", "bin", "export-api-sandbox");

export const sandboxMissing = existsSync(SANDBOX_COMMAND)
  ? false
  : `${SANDBOX_COMMAND} is not there (make install, or set EXPORT_API_SANDBOX)`;

export class Sandbox {
  private constructor(
    readonly info: SandboxInfo,
    private readonly process: ChildProcess,
  ) {}

  /** Started and serving: its one JSON line read. */
  static async start(): Promise<Sandbox> {
    const child = spawn(SANDBOX_COMMAND, [], { stdio: ["ignore", "pipe", "inherit"] });
    const exited = new Promise<never>((_, reject) =>
      child.once("exit", (code) => reject(new Error(`export-api-sandbox exited (${code}) before serving`))),
    );
    const lines = createInterface({ input: child.stdout! });
    const first = new Promise<string>((resolve) => lines.once("line", resolve));
    const line = await Promise.race([first, exited]);
    lines.close();
    child.stdout!.resume(); // whatever it prints later must not fill the pipe and stall it
    return new Sandbox(JSON.parse(line) as SandboxInfo, child);
  }

  /** A pending export job for the sandbox's company, by the admin test helpers. */
  async createJob(entries: Record<string, number>): Promise<{ id: string; status: string }> {
    const response = await fetch(
      `${this.info.baseUrl}/admin/test-helpers/companies/${this.info.companyId}/export-jobs`,
      {
        method: "POST",
        headers: { Authorization: `Bearer ${this.info.adminToken}`, "Content-Type": "application/json" },
        body: JSON.stringify({ entries: Object.entries(entries).map(([type, count]) => ({ type, count })) }),
      },
    );
    if (!response.ok) {
      throw new Error(`the test helper answered ${response.status}: ${await response.text()}`);
    }
    return ((await response.json()) as { data: { id: string; status: string } }).data;
  }

  /** SIGTERM; SIGKILL if it has not exited within `graceMs` (what it leaves behind is a temporary folder). */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) {
      return;
    }
    const exited = new Promise((resolve) => this.process.once("exit", resolve));
    this.process.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), graceMs);
    });
    if ((await Promise.race([exited, late])) === "late") {
      console.error(`export-api-sandbox (pid ${this.process.pid}) still running ${graceMs} ms after SIGTERM: killed`);
      this.process.kill("SIGKILL");
      await exited;
    }
    clearTimeout(timer);
  }
}
