/**
 * Reads a Pulumi stack file (`stacks/Pulumi.<stack>.yaml`) the way the CLI hands its config to a
 * program: `project:key` → string, objects as JSON, and the list of keys that hold secrets. Without
 * a passphrase, `secure:` values cannot be decrypted: they become placeholders, still secret.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { Secret, isPlainObject } from "../components/schema";

export const PROJECT = "nocobase-platform";

export interface StackFile {
    /** The stack name, from the file name `Pulumi.<stack>.yaml` (or the file name itself). */
    stack: string;
    /** Config as the CLI passes it to the program: full key → string. */
    values: Record<string, string>;
    /** Full keys whose value holds at least one `secure:` entry. */
    secretKeys: string[];
}

export function stackFilePath(stack: string, root = path.resolve(__dirname, "..")): string {
    return path.join(root, "stacks", `Pulumi.${stack}.yaml`);
}

export class StackFileError extends Error {}

export function readStackFile(file: string): StackFile {
    let text: string;
    try {
        text = readFileSync(file, "utf8");
    } catch (e) {
        throw new StackFileError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    return parseStackFile(text, stackNameOf(file));
}

export function stackNameOf(file: string): string {
    const base = path.basename(file);
    return /^Pulumi\.(.+)\.ya?ml$/.exec(base)?.[1] ?? base.replace(/\.ya?ml$/, "");
}

export function parseStackFile(text: string, stack: string): StackFile {
    let doc: unknown;
    try {
        doc = parse(text);
    } catch (e) {
        throw new StackFileError(`not valid YAML: ${(e as Error).message.split("\n")[0]}`);
    }
    if (doc === null || doc === undefined) doc = {};
    if (!isPlainObject(doc)) throw new StackFileError("expected a mapping with a config key at the top of the stack file");
    const config = doc.config ?? {};
    if (!isPlainObject(config)) throw new StackFileError("config: expected a mapping of keys to values");
    const values: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, raw] of Object.entries(config)) {
        // The CLI reads an unqualified key as the project's own.
        const fullKey = key.includes(":") ? key : `${PROJECT}:${key}`;
        let secret = false;
        const value = replaceSecure(raw, () => (secret = true));
        values[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
        if (secret) secretKeys.push(fullKey);
    }
    return { stack, values, secretKeys };
}

function replaceSecure(value: unknown, onSecret: () => void): unknown {
    if (Array.isArray(value)) return value.map((v) => replaceSecure(v, onSecret));
    if (!isPlainObject(value)) return value;
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === "secure" && typeof value.secure === "string") {
        onSecret();
        return Secret.PLACEHOLDER;
    }
    return Object.fromEntries(keys.map((k) => [k, replaceSecure(value[k], onSecret)]));
}
