/**
 * Validation of the whole stack configuration, once, at the edge: every problem is collected and
 * reported as `<key path>: <what is wrong>`, and what comes out is a complete, typed
 * `PlatformConfig`. Nothing here throws on bad input.
 *
 * Three steps: the schema (`stackSchema.ts`, problems of single fields), defaults and derived values
 * (`derive.ts`), and the rules that span fields (`rules.ts`). The rules run over whatever parsed, so
 * that a bad enum in one app does not hide a duplicate id in another.
 */
import type { PlatformConfig } from "./types";
import { stackConfigSchema } from "./stackSchema";
import { type Issue, type Secrecy, parse } from "./parse";
import { derive } from "./derive";
import { RULES } from "./rules";
import { didYouMean } from "./messages";

export type { Issue } from "./parse";
export { STACK_CONFIG_KEYS } from "./stackSchema";

export type ValidationResult = { ok: true; config: PlatformConfig } | { ok: false; issues: Issue[] };

/** The config values of one stack: top-level keys without the project prefix, values parsed from JSON. */
export interface StackConfigInput {
    values: Record<string, unknown>;
    /** Top-level keys (without prefix) that hold at least one encrypted value. */
    secretKeys: ReadonlySet<string>;
    /**
     * Key paths of the encrypted values (`apps[2].database.password`), where the stack file itself
     * was read. Without them, a value under a top-level key in `secretKeys` may or may not be
     * encrypted, and is taken as either.
     */
    encryptedPaths?: ReadonlySet<string>;
    /** The stack's name, part of the names of Kubernetes objects; their lengths are checked when it is given. */
    stack?: string;
    /** Problems of the keys themselves, found while reading them (a misspelled namespace, a key given twice). */
    issues?: Issue[];
}

/** Formats issues the way users read them: one `<path>: <message>` per line. */
export function formatIssues(issues: Issue[]): string {
    return issues.map((i) => `${i.path}: ${i.message}`).join("\n");
}

/** Whether keys of this namespace are the project's: its own, or one that looks like a misspelling of it. */
export function readsAsProject(namespace: string, project: string): boolean {
    return namespace === project || didYouMean(namespace, [project]) !== undefined;
}

/**
 * Turns the config map Pulumi hands a program (`project:key` → string, objects as JSON) into
 * `StackConfigInput`. Keys of other namespaces belong to providers and are left alone, except one
 * that looks like a misspelling of the project's: it is reported, and read as the project's key.
 */
export function stackConfigInput(
    all: Record<string, string>,
    secretFullKeys: Iterable<string>,
    project: string,
): StackConfigInput {
    const values: Record<string, unknown> = Object.create(null);
    const misspelled: Array<[string, string, string]> = [];
    for (const [fullKey, text] of Object.entries(all)) {
        const colon = fullKey.indexOf(":");
        const [namespace, key] = [fullKey.slice(0, colon), fullKey.slice(colon + 1)];
        if (namespace === project) values[key] = parseConfigText(text);
        else if (readsAsProject(namespace, project)) misspelled.push([fullKey, key, text]);
    }
    const issues: Issue[] = [];
    for (const [fullKey, key, text] of misspelled) {
        const given = Object.hasOwn(values, key);
        issues.push({
            path: fullKey,
            message: `unknown namespace (did you mean ${project}:${key}?)${given ? `; ${project}:${key} is given as well` : ""}`,
        });
        if (!given) values[key] = parseConfigText(text);
    }
    const secretKeys = new Set<string>();
    for (const fullKey of secretFullKeys) {
        const colon = fullKey.indexOf(":");
        if (readsAsProject(fullKey.slice(0, colon), project)) secretKeys.add(fullKey.slice(colon + 1));
    }
    return { values, secretKeys, issues };
}

function parseConfigText(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

/** Per key path where the stack file was read; otherwise all a top-level key says is "something in here is encrypted". */
function secrecyOf(input: StackConfigInput): (path: string) => Secrecy {
    const { encryptedPaths, secretKeys } = input;
    if (encryptedPaths) return (path) => (encryptedPaths.has(path) ? "encrypted" : "plain");
    return (path) => (secretKeys.has(path.split(/[.[]/)[0]) ? "unknown" : "plain");
}

export function validateStackConfig(input: StackConfigInput): ValidationResult {
    const parsed = parse(stackConfigSchema, input.values, secrecyOf(input));
    const issues: Issue[] = [...(input.issues ?? []), ...parsed.issues];
    const given = new Set(
        Object.keys(input.values).filter((key) => input.values[key] !== undefined && input.values[key] !== null),
    );
    const config = derive(parsed.value);
    const report = (path: string, message: string) => issues.push({ path, message });
    for (const rule of RULES) rule({ raw: parsed.value, config, given, stack: input.stack, report });
    if (issues.length > 0) return { ok: false, issues: firstPerPath(issues) };
    // Complete: nothing failed to parse, and every rule found its inputs.
    return { ok: true, config: config as PlatformConfig };
}

/**
 * A second problem at a key path that has one already says nothing new: a field that did not
 * parse is also "missing" to the rules that need it, a duplicate id clashes as a database and as
 * a role name, a string that fails its first check fails later ones too.
 */
function firstPerPath(issues: Issue[]): Issue[] {
    const seen = new Set<string>();
    return issues.filter((i) => !seen.has(i.path) && seen.add(i.path));
}
