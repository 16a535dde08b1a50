/**
 * Mutated stack configurations for the property-based tests of validation, and the strict rules an
 * accepted configuration's identifiers are held to. The rules are written here, independently of
 * the config schema's patterns, so that a pattern too loose in the schema shows up as a finding.
 */
import fc from "fast-check";
import type { PlatformConfig } from "../../components/config";
import { STACK_CONFIG_KEYS, stackConfigSchema } from "../../components/configSchema";
import { environmentDatabase } from "../../components/naming";

/** PostgreSQL 15 keywords that cannot be a table, schema or role name unquoted (pg_get_keywords(), categories R and T). */
export const PG_RESERVED = new Set(
    (
        "all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation column concurrently " +
        "constraint create cross current_catalog current_date current_role current_schema current_time current_timestamp current_user default " +
        "deferrable desc distinct do else end except false fetch for foreign freeze from full grant group having ilike in initially inner " +
        "intersect into is isnull join lateral leading left like limit localtime localtimestamp natural not notnull null offset on only or order " +
        "outer overlaps placing primary references returning right select session_user similar some symmetric table tablesample then to trailing " +
        "true union unique user using variadic verbose when where window with"
    ).split(" "),
);

/** Strings that have broken parsers, SQL, shells, URLs and object lookups before. */
export const NASTY_STRINGS = [
    "x; DROP DATABASE postgres",
    "crm; DROP DATABASE crm; --",
    "crm' OR '1'='1",
    'crm"; DROP ROLE postgres; --',
    "../",
    "../../etc/passwd",
    "'",
    '"',
    "a'b",
    'a"b',
    "\n",
    "crm\nfoo",
    "crm\r\n",
    "\u0000",
    "crm\u0000",
    "\t",
    "",
    " ",
    "crm ",
    " crm",
    "__proto__",
    "constructor",
    "prototype",
    "toString",
    "hasOwnProperty",
    "valueOf",
    "main",
    "public",
    "pg_catalog",
    "postgres",
    "template1",
    "nocobase_main",
    "nocobase_tenants",
    "nocobase_tenants_members",
    "user",
    "select",
    "table",
    "order",
    "grant",
    "all",
    "Crm",
    "CRM",
    "crm-1",
    "1crm",
    "_crm",
    "crm.",
    "ｃｒｍ",
    "crм",
    "é",
    "💥",
    "${jndi:ldap://x}",
    "$(reboot)",
    "`id`",
    "%00",
    "%2e%2e%2f",
    "\\",
    "a/b",
    "::",
    "http://[",
    "http://[x/",
    'http://a"b/',
    "http://user:pw@evil.example.com/",
    "tcp://[",
    "tcp://host:99999",
    "ssh://",
    "unix://",
    "a".repeat(63),
    "a".repeat(64),
    "a".repeat(300),
    "x".repeat(100_000),
    "-a.example.com",
    "a..b.example.com",
    "a.example.com.",
    "localhost",
    "127.0.0.1",
    "999.999.999.999",
    "[::1]",
    "latest",
    "2.2.15",
    "2.2",
    "a@b",
    "a\u0000@b",
    "platform-app",
];

/** Every key the contract knows, at any depth: added where they do not belong, or where they are optional. */
function contractKeys(): string[] {
    const keys = new Set<string>(STACK_CONFIG_KEYS);
    const walk = (schema: unknown): void => {
        if (Array.isArray(schema)) return schema.forEach(walk);
        if (typeof schema !== "object" || schema === null) return;
        for (const [key, value] of Object.entries(schema)) {
            if (key === "properties" && typeof value === "object" && value !== null) Object.keys(value).forEach((k) => keys.add(k));
            walk(value);
        }
    };
    for (const key of STACK_CONFIG_KEYS) walk(stackConfigSchema[key].schema.jsonSchema());
    return [...keys];
}

/** Names that an object used as a map answers for without holding them. */
const PROTOTYPE_NAMES = ["__proto__", "constructor", "prototype", "toString", "valueOf", "hasOwnProperty", "isPrototypeOf"];

const nasty = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
    { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 80 }) },
    { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
    { weight: 2, arbitrary: fc.tuple(fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/), fc.constantFrom(...NASTY_STRINGS)).map(([a, b]) => a + b) },
    { weight: 2, arbitrary: fc.constantFrom(...PG_RESERVED) },
    { weight: 2, arbitrary: fc.constantFrom(...PROTOTYPE_NAMES) },
);

const junk: fc.Arbitrary<unknown> = fc.oneof(
    { weight: 4, arbitrary: nasty },
    { weight: 1, arbitrary: fc.integer() },
    { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5, 65536, Number.NaN, Number.POSITIVE_INFINITY, -0, 2 ** 53) },
    { weight: 1, arbitrary: fc.boolean() },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.constantFrom([], {}, [[]], [{}]) },
    { weight: 1, arbitrary: fc.array(nasty, { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.dictionary(nasty, nasty, { maxKeys: 3 }) },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 2, maxKeys: 3 }) },
);

/** A valid app with random identifiers, so that accepted configurations carry names nobody chose. */
const generatedApp = fc.record({
    id: fc.stringMatching(/^[a-z][a-z0-9_]{0,62}$/),
    displayName: fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }).filter((s) => /\S/.test(s)),
    database: fc.oneof(
        fc.constant({ mode: "database" }),
        fc.constant({ mode: "schema" }),
        fc.record({
            mode: fc.constant("database"),
            database: fc.stringMatching(/^[a-z_][a-z0-9_]{0,62}$/),
            user: fc.stringMatching(/^[a-z_][a-z0-9_]{0,62}$/),
        }),
        fc.record({ mode: fc.constant("schema"), schema: fc.stringMatching(/^[a-z_][a-z0-9_]{0,62}$/) }),
    ),
    domain: fc.option(
        fc.domain().map((d) => d.toLowerCase()),
        { nil: undefined },
    ),
    state: fc.option(fc.constantFrom("running", "stopped"), { nil: undefined }),
});

export type Mutation =
    | { op: "set"; at: number; value: unknown }
    | { op: "delete"; at: number }
    | { op: "addKey"; at: number; key: string; value: unknown }
    | { op: "string"; at: number; value: string }
    | { op: "duplicate"; at: number }
    | { op: "hugeList"; at: number; size: number }
    | { op: "addApp"; app: Record<string, unknown> }
    | { op: "secretKeys"; key: string; secret: boolean };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ op: fc.constant("set" as const), at: fc.nat(), value: junk }),
    fc.record({ op: fc.constant("delete" as const), at: fc.nat() }),
    fc.record({
        op: fc.constant("addKey" as const),
        at: fc.nat(),
        key: fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), fc.constantFrom(...contractKeys()), nasty),
        value: junk,
    }),
    fc.record({ op: fc.constant("string" as const), at: fc.nat(), value: nasty }),
    fc.record({ op: fc.constant("duplicate" as const), at: fc.nat() }),
    fc.record({ op: fc.constant("hugeList" as const), at: fc.nat(), size: fc.constantFrom(101, 1000, 5001) }),
    fc.record({ op: fc.constant("addApp" as const), app: generatedApp.map((a) => JSON.parse(JSON.stringify(a)) as Record<string, unknown>) }),
    fc.record({ op: fc.constant("secretKeys" as const), key: fc.constantFrom("platform", "postgres", "redis", "apps", "entry"), secret: fc.boolean() }),
);

type Path = Array<string | number>;

/** Every place in a JSON tree, the root included. One accumulator: huge lists are part of the input. */
function paths(value: unknown, at: Path = [], out: Path[] = []): Path[] {
    out.push(at);
    if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...at, i], out));
    else if (typeof value === "object" && value !== null) for (const [k, v] of Object.entries(value)) paths(v, [...at, k], out);
    return out;
}

function valueAt(root: unknown, at: Path): unknown {
    return at.reduce((value: any, step) => value?.[step], root);
}

function parentOf(root: Record<string, unknown>, at: Path): { parent: any; key: string | number } | undefined {
    if (at.length === 0) return undefined;
    let parent: any = root;
    for (const step of at.slice(0, -1)) parent = parent[step];
    return { parent, key: at[at.length - 1] };
}

/** Sets an own property, even one named `__proto__`, as JSON.parse and YAML parsers produce it. */
/**
 * Puts a copy of `value` at `key`: a generator may hand out one object twice, and putting it inside
 * itself would make a cycle, which no stack file (JSON) can hold.
 */
function define(target: any, key: string | number, value: unknown): void {
    Object.defineProperty(target, key, { value: structuredClone(value), enumerable: true, writable: true, configurable: true });
}

export interface FuzzInput {
    values: Record<string, unknown>;
    secretKeys: Set<string>;
}

export function applyMutations(base: FuzzInput, mutations: Mutation[]): FuzzInput {
    const values = structuredClone(base.values);
    const secretKeys = new Set(base.secretKeys);
    for (const m of mutations) {
        if (m.op === "secretKeys") {
            if (m.secret) secretKeys.add(m.key);
            else secretKeys.delete(m.key);
            continue;
        }
        if (m.op === "addApp") {
            if (Array.isArray(values.apps)) values.apps.push(m.app);
            continue;
        }
        const all = paths(values);
        // A string replacement is aimed at the strings of the config, not at every place in it.
        const targets = m.op === "string" ? all.filter((p) => typeof valueAt(values, p) === "string") : all;
        if (targets.length === 0) continue;
        const at = targets[m.at % targets.length];
        const place = parentOf(values, at);
        const current = place ? place.parent[place.key] : values;
        switch (m.op) {
            case "set":
                if (place) define(place.parent, place.key, m.value);
                break;
            case "delete":
                if (place && Array.isArray(place.parent)) place.parent.splice(place.key as number, 1);
                else if (place) delete place.parent[place.key];
                break;
            case "addKey":
                if (typeof current === "object" && current !== null && !Array.isArray(current)) define(current, m.key, m.value);
                break;
            case "string":
                if (place && typeof current === "string") define(place.parent, place.key, m.value);
                break;
            case "duplicate":
                if (Array.isArray(current) && current.length > 0) current.push(structuredClone(current[0]));
                break;
            case "hugeList":
                if (place && Array.isArray(current) && current.length > 0) {
                    define(
                        place.parent,
                        place.key,
                        Array.from({ length: m.size }, (_, i) => (i === 0 ? current[0] : structuredClone(current[i % current.length]))),
                    );
                }
                break;
        }
    }
    return { values, secretKeys };
}

const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

function sqlIdentifierProblem(name: string): string | undefined {
    if (!SQL_IDENTIFIER.test(name)) return "is not a lower-case SQL identifier";
    if (Buffer.byteLength(name) > 63) return "is longer than PostgreSQL's 63 bytes";
    if (PG_RESERVED.has(name)) return "is a reserved SQL keyword (needs quoting)";
    return undefined;
}

function hostnameProblem(host: string): string | undefined {
    if (host.length > 253) return "is longer than 253 characters";
    if (!host.split(".").every((label) => label.length <= 63 && DNS_LABEL.test(label))) return "is not a lower-case DNS name";
    return undefined;
}

function urlProblem(text: string): string | undefined {
    let url: URL;
    try {
        url = new URL(text);
    } catch {
        return "does not parse as a URL";
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return "is not http(s)";
    if (url.username || url.password) return "carries credentials";
    return url.hostname.startsWith("[") ? undefined : hostnameProblem(url.hostname);
}

/**
 * Every identifier of an accepted configuration that reaches SQL (databases, roles, schemas),
 * HTTP (app ids in URLs, domains, URLs) or names (environments, runtimes, namespaces), each checked
 * against a rule under which no quoting question can arise. Returns what breaks a rule.
 */
export function unsafeIdentifiers(config: PlatformConfig): string[] {
    const problems: string[] = [];
    const check = (what: string, value: string | undefined, rule: (v: string) => string | undefined) => {
        if (value === undefined) return;
        const problem = rule(value);
        if (problem) problems.push(`${what} ${JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value)} ${problem}`);
    };
    const sql = (what: string, value: string | undefined) => check(what, value, sqlIdentifierProblem);
    for (const [name, runtime] of Object.entries(config.runtimes)) {
        check("runtime name", name, (v) => (/^[a-z][a-z0-9-]*$/.test(v) ? undefined : "is not a lower-case name"));
        if (runtime.type === "kubernetes") {
            for (const [key, value] of Object.entries({
                namespace: runtime.namespace,
                ingressClass: runtime.ingressClass,
                clusterIssuer: runtime.clusterIssuer,
                storageClass: runtime.storageClass,
            })) {
                check(`runtime ${name} ${key}`, value, (v) => (DNS_LABEL.test(v) && v.length <= 63 ? undefined : "is not a DNS label"));
            }
        } else if (runtime.host && !/^(unix|npipe):\/\//.test(runtime.host)) {
            check(`runtime ${name} docker host`, runtime.host, (v) => {
                try {
                    return new URL(v).hostname ? undefined : "has no host name";
                } catch {
                    return "does not parse as a URL";
                }
            });
        }
    }
    sql("tenants database", config.postgres.tenantsDatabase);
    if (config.postgres.kind === "external") {
        check("postgres host", config.postgres.host, hostnameProblem);
        check("postgres adminUser", config.postgres.adminUser, (v) => (/^[A-Za-z0-9_@.-]+$/.test(v) ? undefined : "has characters outside a role name"));
    }
    check("adminEmail", config.adminEmail, (v) => (/^[^\s\p{Cc}"'<>]+@[^\s\p{Cc}"'<>]+$/u.test(v) ? undefined : "has control or quoting characters"));
    check("entry domain", config.entry.domain, hostnameProblem);
    check("entry url", config.entry.url, urlProblem);
    check("entry apiUrl", config.entry.apiUrl, urlProblem);
    for (const env of config.environments) {
        sql("environment name", env.name);
        if (!env.sharesEntryProcess) sql(`environment ${env.name} database`, environmentDatabase(env.name));
        check(`environment ${env.name} url`, env.url, urlProblem);
    }
    for (const app of config.apps) {
        sql("app id", app.id);
        check(`app ${app.id} id`, app.id, (v) => (v === "main" ? "is the entry app's reserved name" : undefined));
        check(`app ${app.id} domain`, app.domain, hostnameProblem);
        const db = app.database;
        sql(`app ${app.id} database`, db.database);
        if (db.mode === "connection") {
            sql(`app ${app.id} user`, db.user);
            sql(`app ${app.id} schema`, db.schema);
            check(`app ${app.id} host`, db.host, hostnameProblem);
        } else {
            sql(`app ${app.id} role`, db.role);
            if (db.mode === "schema") sql(`app ${app.id} schema`, db.schema);
        }
    }
    return problems;
}

/** Strings of an accepted configuration that may appear in a resource's logical name. */
export function nameTokens(config: PlatformConfig): Set<string> {
    const tokens = new Set<string>();
    for (const name of [...Object.keys(config.runtimes), ...config.environments.map((e) => e.name), ...config.apps.map((a) => a.id)]) {
        for (const token of name.split("-")) tokens.add(token);
    }
    return tokens;
}
