/**
 * Sample stacks for the plan and policy tests: rendered through the real program, optionally with
 * their stack file edited first (as an engineer would edit it), and their registrations edited
 * after (for what validation or the program would never produce, but a program change could).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Registration, Rendered, SecretValue } from "../../cli/harness/render";
import { ConfigEdit, editedStackText, renderStack as renderOffline } from "./stacks";

export type { ConfigEdit } from "./stacks";

/** Writes an edited sample stack to a fresh temporary `Pulumi.<stack>.yaml` and returns its path. */
export function writeStackFile(stack: string, edit?: ConfigEdit): string {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "plan-")), `Pulumi.${stack}.yaml`);
    writeFileSync(file, editedStackText(stack, edit));
    return file;
}

/** The plan's and the policies' renders: as the offline plan renders. */
export function renderStack(stack: string, edit?: ConfigEdit): Promise<Rendered> {
    return renderOffline(stack, edit, { offline: true });
}

/** The app entry of `id` in a config being edited. */
export function appOf(config: Record<string, any>, id: string): Record<string, any> {
    const app = (config.apps as Record<string, any>[]).find((a) => a.id === id);
    if (!app) throw new Error(`no app ${id} in the sample stack`);
    return app;
}

/** A copy of the registrations where `edit` changed the one named `name` (deep copy, originals untouched). */
export function withRegistration(
    registrations: Registration[],
    name: string,
    edit: (r: Registration) => void,
): Registration[] {
    let found = false;
    const copy = registrations.map((r) => {
        if (r.name !== name) return r;
        found = true;
        const clone = { ...r, inputs: cloneKeepingSecrets(r.inputs) as Record<string, unknown> };
        edit(clone);
        return clone;
    });
    if (!found) throw new Error(`no registration named ${name}`);
    return copy;
}

/** structuredClone would turn a `SecretValue` into a plain object, and the secret mark with it. */
function cloneKeepingSecrets(value: unknown): unknown {
    if (value instanceof SecretValue) return new SecretValue(cloneKeepingSecrets(value.value));
    if (Array.isArray(value)) return value.map(cloneKeepingSecrets);
    if (typeof value === "object" && value !== null)
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cloneKeepingSecrets(v)]));
    return value;
}
