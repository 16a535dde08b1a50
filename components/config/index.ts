/**
 * From Pulumi's config to a valid, typed `PlatformConfig`: the stack-file schema (zod, which also
 * writes the editor schema), defaults and derived values, the cross-field rules, and the one edge
 * that reads the running stack's config.
 */
export * from "./load";
export * from "./types";
export { formatIssues, readsAsProject, stackConfigInput, validateStackConfig } from "./validate";
export type { Issue, StackConfigInput, ValidationResult } from "./validate";
export { STACK_CONFIG_KEYS, stackFileJsonSchema } from "./stackSchema";
