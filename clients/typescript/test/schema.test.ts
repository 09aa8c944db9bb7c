/**
 * The types are generated from the contract by openapi-typescript (`make ts-client-types`, or
 * `npm run generate`): regenerating them changes nothing.
 */

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { PACKAGE } from "./support.js";

test("the committed types are what openapi-typescript makes of the contract", () => {
  const folder = mkdtempSync(join(tmpdir(), "export-api-schema-"));
  try {
    const output = join(folder, "schema.ts");
    // As `npm run generate`, into another file.
    execFileSync(
      join(PACKAGE, "node_modules", ".bin", "openapi-typescript"),
      [join(PACKAGE, "..", "..", "spec", "export-api.openapi.yaml"), "--output", output],
      { cwd: PACKAGE, stdio: "pipe" },
    );
    const committed = readFileSync(join(PACKAGE, "src", "schema.ts"), "utf8");
    assert.ok(readFileSync(output, "utf8") === committed, "run `make ts-client-types` and commit clients/typescript/src/schema.ts");
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
