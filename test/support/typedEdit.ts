/** The edit of the typed configuration that typedProgram.ts applies; set by renderTyped. */
import type { PlatformConfig } from "../../components/config/types";

export type TypedEdit = (config: PlatformConfig) => PlatformConfig;
let edit: TypedEdit = (c) => c;

export function currentTypedEdit(): TypedEdit {
    return edit;
}

export function setTypedEdit(next: TypedEdit): void {
    edit = next;
}
