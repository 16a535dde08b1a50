import * as path from "node:path";

/** The Pulumi project: the namespace of every stack config key (`nocobase-platform:apps`) and of the component type tokens. */
export const PROJECT = "nocobase-platform";

/**
 * The repository root. Bundles and commands name files relative to it, so that what they produce
 * (a provider bundle in the state, above all) is the same on every machine.
 */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
