/** The contract's v3 schemas by name (all of them: `components["schemas"]`, from the generated `schema.ts`). */

import type { components } from "./schema.js";

type Schemas = components["schemas"];

export type ExportJobV3 = Schemas["ExportJobV3"];
export type ExportJobItemV3 = Schemas["ExportJobItemV3"];
export type ExportItemV3 = Schemas["ExportItemV3"];
export type UpdateExportJobItemV3 = Schemas["UpdateExportJobItemV3"];
export type ExportJobItemUpdateV3 = Schemas["ExportJobItemUpdateV3"];
export type ExportJobItemUpdateErrorV3 = Schemas["ExportJobItemUpdateErrorV3"];
export type CreateExportJob = Schemas["CreateExportJob"];
export type CreateExportJobEvent = Schemas["CreateExportJobEvent"];
export type CursorPageInfo = Schemas["CursorPageInfo"];
export type ExceptionInfo = Schemas["ExceptionInfo"];
export type ExportJobStatus = Schemas["ExportJobStatus"];
export type ExportJobItemStatus = Schemas["ExportJobItemStatus"];
export type ExportJobEventType = Schemas["ExportJobEventType"];
export type PageOrder = Schemas["PageOrder"];

/** One page of any cursor-paginated list of the contract. */
export interface CursorPage<T> {
  data: T[];
  pagination: CursorPageInfo;
}
