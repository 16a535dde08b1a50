/** Renders sample stacks, as they are or edited, through the real program under mocks. */
import { createHmac } from "node:crypto";
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { useOfflineRuntime } from "../../cli/harness/offlineRuntime";
import { Registration, Rendered, SecretValue, mockOutputs, mockSecret, renderProgram } from "../../cli/harness/render";
import { StackFile, parseStackFile, stackFilePath } from "../../components/config/stackFile";
import { PROJECT } from "../../components/core/project";
import { environmentDatabase } from "../../components/platform/naming";
import { ENTRY_DATABASE } from "../../components/core/identifiers";
import { Secret } from "../../components/core/secret";
import { formatIssues, validateStackConfig } from "../../components/config/validate";
import type { PlatformConfig } from "../../components/config/types";

/** A configuration as the Pulumi CLI hands it to the program: each key in the project's namespace, its value as JSON text. */
export function cliConfigValues(config: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(
        Object.entries(config).map(([key, value]) => [`${PROJECT}:${key}`, JSON.stringify(value)]),
    );
}

/** The stack's config as plain objects, keyed without the project prefix, for a test to edit. */
export type EditableConfig = Record<string, any>;
export type ConfigEdit = (config: EditableConfig) => void;

/** Adopts an existing NocoBase at `url` as the entry app; workers get the URLs an adopted supervisor needs. */
export function adoptEntry(url: string): ConfigEdit {
    return (c) => {
        c.entry = { external: { url, apiKey: { secure: "v1:abc:def" } } };
        c.environments?.forEach((e: EditableConfig, i: number) => (e.url = `http://worker-${i}.example.com`));
    };
}

/** The typed configuration of a stack file's values (keys without the project prefix); fails the test with every issue of invalid ones. */
export function validConfig(values: EditableConfig, secretKeys: string[] = []): PlatformConfig {
    const result = validateStackConfig({ values, secretKeys: new Set(secretKeys) });
    assert.ok(result.ok, result.ok ? "" : formatIssues(result.issues));
    return result.config;
}

export function stackConfig(file: StackFile): EditableConfig {
    const prefix = `${PROJECT}:`;
    return Object.fromEntries(Object.entries(file.values).map(([k, v]) => [k.slice(prefix.length), JSON.parse(v)]));
}

/** The text of a sample stack file after `edit`, as an engineer would edit it: comments and `secure:` values kept. */
export function editedStackText(stack: string, edit?: ConfigEdit): string {
    const doc = parseDocument(readFileSync(stackFilePath(stack), "utf8"));
    if (!edit) return doc.toString();
    const config = doc.get("config") as { toJSON(): Record<string, unknown> };
    const plain = Object.fromEntries(Object.entries(config.toJSON()).map(([k, v]) => [k.slice(PROJECT.length + 1), v]));
    edit(plain);
    doc.set("config", Object.fromEntries(Object.entries(plain).map(([k, v]) => [`${PROJECT}:${k}`, v])));
    return doc.toString();
}

/**
 * @param options.offline render as the plan does (no stack traces):
 *   for suites that render many variants.
 */
export async function renderStack(
    stack: string,
    edit?: ConfigEdit,
    options: { offline?: boolean; observedStatus?: (appId: string) => string } = {},
): Promise<Rendered & { config: EditableConfig }> {
    const file = parseStackFile(editedStackText(stack, edit), stack);
    const restore = options.offline ? useOfflineRuntime() : undefined;
    try {
        const rendered = await renderProgram({
            stack,
            values: file.values,
            secretKeys: file.secretKeys,
            observedStatus: options.observedStatus,
        });
        return { ...rendered, config: stackConfig(file) };
    } finally {
        restore?.();
    }
}

/** What a loop of assertions runs over, asserted not empty: a loop over nothing asserts nothing. */
export function nonEmpty<T>(items: T[], what: string): T[] {
    assert.ok(items.length > 0, `no ${what} to check`);
    return items;
}

export function byName(rendered: Rendered, name: string): Registration {
    const found = rendered.registrations.find((r) => r.name === name);
    if (!found)
        throw new Error(`no resource named ${name}; have: ${rendered.registrations.map((r) => r.name).join(", ")}`);
    return found;
}

/** The name of a registration's parent, if that parent is registered. */
export function parentName(r: Rendered, reg: Registration): string | undefined {
    return r.registrations.find((p) => p.urn === reg.parent)?.name;
}

/** One root, the platform; every other resource under a registered parent and named `<parent>-<role>`. */
export function assertNamedTree(r: Rendered): void {
    const urns = new Set(r.registrations.map((x) => x.urn));
    assert.equal(urns.size, r.registrations.length, "URNs are unique");
    const roots = r.registrations.filter((x) => x.parent === "");
    assert.deepEqual(
        roots.map((x) => `${x.type}::${x.name}`),
        ["nocobase-platform:index:NocoBasePlatform::platform"],
    );
    for (const reg of nonEmpty(
        r.registrations.filter((x) => x.parent !== ""),
        "children",
    )) {
        assert.ok(urns.has(reg.parent), `${reg.name}: parent ${reg.parent} is registered`);
        assert.ok(
            reg.name.startsWith(`${parentName(r, reg)}-`),
            `${reg.name} is named after its parent ${parentName(r, reg)}`,
        );
    }
}

export function ofType(rendered: Rendered, type: string): Registration[] {
    return rendered.registrations.filter((r) => r.type === type);
}

/**
 * The inputs that make a step. The upgrade backup lists every database, so each tenant added or
 * removed changes that list; its provider's diff counts only the version and the backup location
 * (test/lifecycle/upgradeBackup.spec.ts holds it to that), so neither does this comparison.
 */
function comparable(r: Registration): Record<string, unknown> {
    if (r.type !== "pulumi-nodejs:dynamic/nocobase:UpgradeBackup") return r.inputs;
    const { databases: _databases, admin: _admin, notUpgraded: _notUpgraded, ...rest } = r.inputs;
    return rest;
}

/** URNs whose inputs differ between two renders, and URNs only in one of them. */
export function compare(base: Rendered, next: Rendered): { added: string[]; removed: string[]; changed: string[] } {
    const before = new Map(base.registrations.map((r) => [r.urn, r]));
    const after = new Map(next.registrations.map((r) => [r.urn, r]));
    const same = (a: Registration, b: Registration) => JSON.stringify(comparable(a)) === JSON.stringify(comparable(b));
    return {
        added: [...after.keys()].filter((u) => !before.has(u)),
        removed: [...before.keys()].filter((u) => !after.has(u)),
        changed: [...after.keys()].filter((u) => before.has(u) && !same(before.get(u)!, after.get(u)!)),
    };
}

/** Every string in a value that is NOT under a SecretValue, with where it was found. */
export function plainStrings(value: unknown, at = ""): Array<[string, string]> {
    if (value instanceof SecretValue) return [];
    if (typeof value === "string") return [[at, value]];
    if (Array.isArray(value)) return value.flatMap((v, i) => plainStrings(v, `${at}[${i}]`));
    if (typeof value === "object" && value !== null)
        return Object.entries(value).flatMap(([k, v]) => plainStrings(v, at ? `${at}.${k}` : k));
    return [];
}

/** `KEY=value` lists (Docker) or `{name, value}` lists (Kubernetes) as a map. */
export function envMap(env: unknown): Record<string, string> {
    const list = env instanceof SecretValue ? env.value : env;
    if (!Array.isArray(list)) throw new Error(`expected an env list, got ${JSON.stringify(list)}`);
    return Object.fromEntries(
        list.map((e) => {
            if (typeof e === "string") {
                const i = e.indexOf("=");
                return [e.slice(0, i), e.slice(i + 1)];
            }
            return [e.name, e.value];
        }),
    );
}

/** Every secret value a render can hold, given the config secrets that went in. */
/** A derived secret as docs/design.md states it (HMAC-SHA256 of the key and the purpose), computed here. */
export function derived(key: string, purpose: string): string {
    return createHmac("sha256", key).update(purpose).digest("hex");
}

export function knownSecrets(
    rendered: Rendered,
    config: Record<string, any>,
    configSecrets: string[] = [],
): Set<string> {
    const secrets = new Set<string>([Secret.PLACEHOLDER, ...configSecrets]);
    // The test's own rule, not the program's additionalSecretOutputs: every value a random resource
    // makes is a secret, whatever the program marks.
    let derivationKey: string | undefined;
    const randoms = rendered.registrations.filter((x) => x.type.startsWith("random:"));
    assert.ok(randoms.length > 0, "the program makes random secrets");
    for (const r of randoms) {
        for (const value of Object.values(mockOutputs(r.type, r.name, r.inputs)))
            if (typeof value === "string") secrets.add(value);
        if (r.name.endsWith("-derivation-key")) derivationKey = mockSecret(r.name);
    }
    assert.ok(derivationKey, "the program makes a derivation key");
    const purposes = [
        `db:${ENTRY_DATABASE}`,
        ...(config.environments ?? []).map((e: { name: string }) => `db:${environmentDatabase(e.name)}`),
    ];
    for (const app of config.apps as Array<{ id: string }>) purposes.push(`db:${app.id}`, `jwt:${app.id}`);
    for (const purpose of purposes) secrets.add(derived(derivationKey, purpose));
    return secrets;
}
