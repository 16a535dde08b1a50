/**
 * Reads a Pulumi stack file (`Pulumi.<stack>.yaml` in the project's `stackConfigDir`) the way the
 * CLI reads it and hands its config to a program: `project:key` → string, objects as JSON, the
 * keys that hold secrets; plus what only the file itself tells, the key path of every `secure:`
 * value. Without a passphrase, `secure:` values cannot be decrypted: they become placeholders,
 * still secret.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { Document, isNode, isScalar, parse, parseDocument, visit } from "yaml";
import { STACK_CONFIG_KEYS } from "./stackSchema";
import { Secret } from "../core/secret";
import { at, isPlainObject, join } from "../core/keyPath";
import { didYouMean } from "./messages";
import { type Issue, type StackConfigInput, readsAsProject, stackConfigInput } from "./validate";
import { PROJECT, PROJECT_ROOT as ROOT } from "../core/project";

/** The keys of a stack file besides `config`, as the CLI writes them. */
const STACK_FILE_KEYS = ["config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"];

export interface StackFile {
    /** The stack name, from the file name `Pulumi.<stack>.yaml` (or the file name itself). */
    stack: string;
    /** Config as the CLI passes it to the program: full key → string. */
    values: Record<string, string>;
    /** Full keys whose value holds at least one `secure:` entry. */
    secretKeys: string[];
    /** Key paths, below the project's keys (misspelled ones included), of the `secure:` values (`apps[2].database.password`). */
    encryptedPaths: string[];
    /** What the file itself gets wrong, at its key paths: a key given twice or outside `config:`, a number no config can hold. */
    issues: Issue[];
}

/** Where the CLI looks for a stack's file: `stackConfigDir` of Pulumi.yaml, else next to it. */
export function stackFilePath(stack: string, root = ROOT): string {
    const project = parse(readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { stackConfigDir?: unknown } | null;
    const dir = typeof project?.stackConfigDir === "string" ? project.stackConfigDir : ".";
    return path.join(root, dir, `Pulumi.${stack}.yaml`);
}

export class StackFileError extends Error {}

export function readStackFile(file: string): StackFile {
    let bytes: Buffer;
    try {
        bytes = readFileSync(file);
    } catch (e) {
        throw new StackFileError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    return parseStackFile(decodeStackFile(bytes), stackNameOf(file));
}

export function stackNameOf(file: string): string {
    const base = path.basename(file);
    return /^Pulumi\.(.+)\.ya?ml$/.exec(base)?.[1] ?? base.replace(/\.ya?ml$/, "");
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** The file's text; invalid UTF-8 is refused with its line, as the CLI refuses it, rather than replaced. */
export function decodeStackFile(bytes: Uint8Array): string {
    try {
        return UTF8.decode(bytes);
    } catch {
        let start = 0;
        for (let line = 1; ; line++) {
            const end = bytes.indexOf(0x0a, start);
            try {
                UTF8.decode(bytes.subarray(start, end < 0 ? bytes.length : end));
            } catch {
                throw new StackFileError(`line ${line}: not valid UTF-8`);
            }
            start = end + 1;
        }
    }
}

export function parseStackFile(text: string, stack: string): StackFile {
    const doc = yamlDocument(text);
    let top: unknown;
    try {
        top = doc.toJS({ maxAliasCount: 100 }) ?? {};
    } catch (e) {
        throw new StackFileError(`not valid YAML: ${(e as Error).message.split("\n")[0]}`);
    }
    if (!isPlainObject(top))
        throw new StackFileError("expected a mapping with a config key at the top of the stack file");
    const config = top.config ?? {};
    if (!isPlainObject(config)) throw new StackFileError("config: expected a mapping of keys to values");
    const issues: Issue[] = [];
    const entries: Array<[string, unknown, string]> = Object.entries(config).map(([key, value]) => [key, value, key]);
    for (const [key, value] of Object.entries(top)) {
        if (STACK_FILE_KEYS.includes(key)) continue;
        const projectKey = key.startsWith(`${PROJECT}:`) || (STACK_CONFIG_KEYS as readonly string[]).includes(key);
        if (projectKey) {
            // Read as meant, so that its own problems come out too, not a "required" for its absence.
            issues.push({ path: join("", key), message: "is outside config: (indent it under config:)" });
            entries.push([key, value, `${key} outside config:`]);
        } else {
            const meant = didYouMean(key, STACK_FILE_KEYS);
            issues.push({
                path: join("", key),
                message: `unknown key of a stack file (expected one of ${STACK_FILE_KEYS.join(", ")})${meant ? `; did you mean ${meant}?` : ""}`,
            });
        }
    }
    const values: Record<string, string> = Object.create(null);
    const secretKeys: string[] = [];
    const encryptedPaths: string[] = [];
    const spelled = new Map<string, string>();
    for (const [key, raw, spelling] of entries) {
        // The CLI reads an unqualified key as the project's own.
        const fullKey = key.includes(":") ? key : `${PROJECT}:${key}`;
        const colon = fullKey.indexOf(":");
        // A misspelled namespace's key is read as the project's (and reported), its secrets with it.
        const own = readsAsProject(fullKey.slice(0, colon), PROJECT);
        const keyPath = own ? fullKey.slice(colon + 1) : fullKey;
        const earlier = spelled.get(fullKey);
        if (earlier !== undefined) {
            issues.push({ path: keyPath, message: `given twice, as ${earlier} and ${spelling}` });
            continue;
        }
        spelled.set(fullKey, spelling);
        const secure: string[] = [];
        const value = readValue(raw, keyPath, { secure, issues });
        values[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
        if (secure.length > 0) secretKeys.push(fullKey);
        if (own) encryptedPaths.push(...secure);
    }
    return { stack, values, secretKeys, encryptedPaths, issues };
}

/** The stack file's config as a program's validation takes it, with what only the file tells. */
export function stackFileInput(file: StackFile): StackConfigInput {
    const input = stackConfigInput(file.values, file.secretKeys, PROJECT);
    return {
        ...input,
        stack: file.stack,
        encryptedPaths: new Set(file.encryptedPaths),
        issues: [...file.issues, ...(input.issues ?? [])],
    };
}

/**
 * Whether the config a program was given is this file's: the same project keys and values, a
 * decrypted string wherever the file has a `secure:` value. Under `--config-file` the program
 * cannot see the file the CLI read, and a file of the same stack name may be another one.
 */
export function describesConfig(
    file: StackFile,
    all: Record<string, string>,
    secretFullKeys: Iterable<string>,
): boolean {
    const own = (keys: Iterable<string>) => [...keys].filter((k) => k.startsWith(`${PROJECT}:`)).sort();
    if (JSON.stringify(own(Object.keys(file.values))) !== JSON.stringify(own(Object.keys(all)))) return false;
    if (JSON.stringify(own(file.secretKeys)) !== JSON.stringify(own(secretFullKeys))) return false;
    return own(Object.keys(all)).every((key) => agrees(jsonOrText(file.values[key]), jsonOrText(all[key])));
}

function jsonOrText(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

function agrees(inFile: unknown, given: unknown): boolean {
    if (inFile === Secret.PLACEHOLDER) return typeof given === "string";
    if (Array.isArray(inFile))
        return Array.isArray(given) && given.length === inFile.length && inFile.every((v, i) => agrees(v, given[i]));
    if (isPlainObject(inFile)) {
        if (!isPlainObject(given)) return false;
        const keys = Object.keys(inFile);
        return (
            keys.length === Object.keys(given).length &&
            keys.every((k) => Object.hasOwn(given, k) && agrees(inFile[k], given[k]))
        );
    }
    return inFile === given;
}

/**
 * The document as the CLI's YAML reader sees it: merge keys (`<<`) honoured, duplicate keys and
 * keys that are lists or mappings refused. Problems are raised here, never printed as warnings.
 */
function yamlDocument(text: string): Document {
    const doc = parseDocument(text, { merge: true, uniqueKeys: true, prettyErrors: true });
    const problem = doc.errors[0] ?? doc.warnings[0];
    if (problem) throw new StackFileError(`not valid YAML: ${problem.message.split("\n")[0]}`);
    visit(doc, {
        Pair(_, pair) {
            if (isScalar(pair.key) || pair.key === null) return;
            const where = isNode(pair.key) && pair.key.range ? `line ${lineOf(text, pair.key.range[0])}: ` : "";
            throw new StackFileError(`${where}a key must be a plain value, not a list or mapping (complex key)`);
        },
    });
    return doc;
}

function lineOf(text: string, offset: number): number {
    let line = 1;
    for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
    return line;
}

/**
 * A config value as the program receives it: `secure:` entries become secret placeholders (their
 * key paths recorded), and a number no JSON holds (`.inf`, `.nan`) is reported rather than turned
 * into null, which reads as "use the default".
 */
function readValue(value: unknown, keyPath: string, found: { secure: string[]; issues: Issue[] }): unknown {
    if (typeof value === "number" && !Number.isFinite(value)) {
        const written = Number.isNaN(value) ? ".nan" : value > 0 ? ".inf" : "-.inf";
        found.issues.push({
            path: keyPath,
            message: `expected a finite number, got ${written} (which no config value can hold)`,
        });
        return null;
    }
    if (Array.isArray(value)) return value.map((v, i) => readValue(v, at(keyPath, i), found));
    if (!isPlainObject(value)) return value;
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === "secure" && typeof value.secure === "string") {
        found.secure.push(keyPath);
        return Secret.PLACEHOLDER;
    }
    const out: Record<string, unknown> = {};
    for (const k of keys)
        Object.defineProperty(out, k, {
            value: readValue(value[k], join(keyPath, k), found),
            enumerable: true,
            writable: true,
            configurable: true,
        });
    return out;
}
