/**
 * A small schema language for the stack file. One definition yields both the validator (every
 * problem reported with its key path, never a throw) and the JSON Schema that editors use, so the
 * two cannot drift apart. Cross-field rules (references, uniqueness) live in `validation.ts`.
 */

/** One problem found in the configuration, addressed by its key path (`apps[3].database.mode`). */
export interface Issue {
    path: string;
    message: string;
}

export type JsonSchema = Record<string, unknown>;

/** Passed down while parsing: where problems go, and which top-level keys were stored encrypted. */
export interface ParseContext {
    issues: Issue[];
    /** True when the top-level key holding the value was stored with `pulumi config set --secret`. */
    isSecretKey(topLevelKey: string): boolean;
}

/** Marks a parse failure; the problem itself has been recorded in the context. */
export const INVALID: unique symbol = Symbol("invalid");
export type Parsed<T> = T | typeof INVALID;

export interface Schema<T> {
    parse(value: unknown, path: string, ctx: ParseContext): Parsed<T>;
    jsonSchema(): JsonSchema;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

/**
 * A secret read from stack config. `reveal()` is explicit so that a secret never reaches a log
 * line, an error message or `JSON.stringify` by accident.
 */
export class Secret {
    /**
     * Stands in for a `secure:` value read from a stack file without its passphrase (the offline
     * plan): it is a secret all the same, but its content is unknown.
     */
    static readonly PLACEHOLDER = "[secret]";
    readonly #value: string;
    constructor(value: string) {
        this.#value = value;
    }
    reveal(): string {
        return this.#value;
    }
    /** False for a placeholder: format checks of the value itself do not apply. */
    get known(): boolean {
        return this.#value !== Secret.PLACEHOLDER;
    }
    toString(): string {
        return "[secret]";
    }
    toJSON(): string {
        return "[secret]";
    }
}

/** A value as people read it in an error message: strings quoted, long ones cut. */
export function describe(value: unknown): string {
    if (value === undefined) return "nothing";
    if (value === null) return "null";
    if (Array.isArray(value)) return `a list of ${value.length}`;
    if (typeof value === "object") return "an object";
    const text = typeof value === "string" ? JSON.stringify(value) : String(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function fail(ctx: ParseContext, path: string, message: string): typeof INVALID {
    ctx.issues.push({ path, message });
    return INVALID;
}

interface StringOptions {
    description?: string;
    pattern?: RegExp;
    /** Says what the pattern means, for the error message and the editor. */
    patternHint?: string;
    maxLength?: number;
    /** Values that match the pattern but are still refused, each with its reason. */
    reject?: Record<string, string>;
    /** A last check on a value that matched the pattern: an error message, or undefined. */
    check?: (value: string) => string | undefined;
}

export function string(options: StringOptions = {}): Schema<string> {
    return {
        parse(value, path, ctx) {
            if (typeof value !== "string") return fail(ctx, path, `expected a string, got ${describe(value)}`);
            const rejected = options.reject && Object.hasOwn(options.reject, value) ? options.reject[value] : undefined;
            if (rejected !== undefined) return fail(ctx, path, `${rejected}, got ${describe(value)}`);
            if (options.maxLength !== undefined && value.length > options.maxLength) {
                return fail(ctx, path, `must be at most ${options.maxLength} characters, got ${value.length}`);
            }
            if (options.pattern && !options.pattern.test(value)) {
                return fail(ctx, path, `${options.patternHint ?? `must match ${options.pattern.source}`}, got ${describe(value)}`);
            }
            const problem = options.check?.(value);
            if (problem !== undefined) return fail(ctx, path, `${problem}, got ${describe(value)}`);
            return value;
        },
        jsonSchema() {
            return {
                type: "string",
                ...(options.description ? { description: options.description } : {}),
                ...(options.pattern ? { pattern: options.pattern.source } : {}),
                ...(options.maxLength !== undefined ? { maxLength: options.maxLength } : {}),
                ...(options.reject ? { not: { enum: Object.keys(options.reject) } } : {}),
            };
        },
    };
}

export function oneOf<T extends string>(values: readonly T[], description?: string): Schema<T> {
    return {
        parse(value, path, ctx) {
            if (typeof value === "string" && (values as readonly string[]).includes(value)) return value as T;
            return fail(ctx, path, `expected one of ${values.join(", ")}, got ${describe(value)}`);
        },
        jsonSchema() {
            return { enum: [...values], ...(description ? { description } : {}) };
        },
    };
}

export function integer(min: number, max: number, description?: string): Schema<number> {
    return {
        parse(value, path, ctx) {
            if (typeof value !== "number" || !Number.isInteger(value)) {
                return fail(ctx, path, `expected an integer, got ${describe(value)}`);
            }
            if (value < min || value > max) return fail(ctx, path, `must be between ${min} and ${max}, got ${value}`);
            return value;
        },
        jsonSchema() {
            return { type: "integer", minimum: min, maximum: max, ...(description ? { description } : {}) };
        },
    };
}

export function boolean(description?: string): Schema<boolean> {
    return {
        parse(value, path, ctx) {
            if (typeof value !== "boolean") return fail(ctx, path, `expected true or false, got ${describe(value)}`);
            return value;
        },
        jsonSchema() {
            return { type: "boolean", ...(description ? { description } : {}) };
        },
    };
}

/**
 * A credential. Accepted only when its top-level key was stored encrypted, so that a password can
 * never sit in a stack file in plain text.
 */
export function secret(description: string): Schema<Secret> {
    return {
        parse(value, path, ctx) {
            if (typeof value !== "string" || value === "") {
                return fail(ctx, path, `expected a secret string, got ${describe(value)}`);
            }
            const topLevelKey = path.split(/[.[]/)[0];
            if (!ctx.isSecretKey(topLevelKey)) {
                return fail(ctx, path, `must be stored encrypted: pulumi config set --secret --path '${path}' <value>`);
            }
            return new Secret(value);
        },
        jsonSchema() {
            return {
                description: `${description} Store it with \`pulumi config set --secret --path\`.`,
                oneOf: [{ type: "string" }, { type: "object", required: ["secure"], properties: { secure: { type: "string" } } }],
            };
        },
    };
}

interface Field<T> {
    schema: Schema<T>;
    optional: boolean;
}

export function optional<T>(schema: Schema<T>): Field<T> {
    return { schema, optional: true };
}

type Fields = Record<string, Schema<unknown> | Field<unknown>>;
type FieldValue<F> = F extends Field<infer T> ? T | undefined : F extends Schema<infer T> ? T : never;
type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K] extends Field<unknown> ? K : never }[keyof F];
type RequiredKeys<F extends Fields> = Exclude<keyof F, OptionalKeys<F>>;
export type ObjectOf<F extends Fields> = { [K in RequiredKeys<F>]: FieldValue<F[K]> } & {
    [K in OptionalKeys<F>]?: FieldValue<F[K]>;
};

function asField(entry: Schema<unknown> | Field<unknown>): Field<unknown> {
    return "schema" in entry ? entry : { schema: entry, optional: false };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A closed object: unknown keys are reported (they are almost always typos of a known key). */
export function object<F extends Fields>(fields: F, description?: string): Schema<ObjectOf<F>> {
    const names = Object.keys(fields);
    return {
        parse(value, path, ctx) {
            if (!isPlainObject(value)) return fail(ctx, path, `expected an object, got ${describe(value)}`);
            let ok = true;
            for (const key of Object.keys(value)) {
                if (!names.includes(key)) {
                    ok = fail(ctx, join(path, key), `unknown key (expected one of ${names.join(", ")})`) !== INVALID;
                }
            }
            const out: Record<string, unknown> = {};
            for (const name of names) {
                const field = asField(fields[name]);
                const raw = value[name];
                if (raw === undefined || raw === null) {
                    if (!field.optional) ok = fail(ctx, join(path, name), "required") !== INVALID;
                    continue;
                }
                const parsed = field.schema.parse(raw, join(path, name), ctx);
                if (parsed === INVALID) ok = false;
                else out[name] = parsed;
            }
            return ok ? (out as ObjectOf<F>) : INVALID;
        },
        jsonSchema() {
            const properties: Record<string, JsonSchema> = {};
            const required: string[] = [];
            for (const name of names) {
                const field = asField(fields[name]);
                properties[name] = field.schema.jsonSchema();
                if (!field.optional) required.push(name);
            }
            return {
                type: "object",
                ...(description ? { description } : {}),
                properties,
                ...(required.length ? { required } : {}),
                additionalProperties: false,
            };
        },
    };
}

export function list<T>(item: Schema<T>, maxItems: number, description?: string): Schema<T[]> {
    return {
        parse(value, path, ctx) {
            if (!Array.isArray(value)) return fail(ctx, path, `expected a list, got ${describe(value)}`);
            if (value.length > maxItems) return fail(ctx, path, `at most ${maxItems} entries, got ${value.length}`);
            const out: T[] = [];
            let ok = true;
            value.forEach((entry, i) => {
                const parsed = item.parse(entry, `${path}[${i}]`, ctx);
                if (parsed === INVALID) ok = false;
                else out.push(parsed);
            });
            return ok ? out : INVALID;
        },
        jsonSchema() {
            return { type: "array", items: item.jsonSchema(), maxItems, ...(description ? { description } : {}) };
        },
    };
}

/** A map from names (checked against `keyPattern`) to values of one schema. */
export function record<T>(keyPattern: RegExp, keyHint: string, value: Schema<T>, description?: string): Schema<Record<string, T>> {
    return {
        parse(raw, path, ctx) {
            if (!isPlainObject(raw)) return fail(ctx, path, `expected a map of names to objects, got ${describe(raw)}`);
            // No prototype: a key such as "constructor" must not find Object.prototype's.
            const out: Record<string, T> = Object.create(null);
            let ok = true;
            for (const [key, entry] of Object.entries(raw)) {
                if (!keyPattern.test(key)) {
                    ok = fail(ctx, join(path, key), `${keyHint}, got ${describe(key)}`) !== INVALID;
                    continue;
                }
                const parsed = value.parse(entry, join(path, key), ctx);
                if (parsed === INVALID) ok = false;
                else out[key] = parsed;
            }
            return ok ? out : INVALID;
        },
        jsonSchema() {
            return {
                type: "object",
                ...(description ? { description } : {}),
                propertyNames: { pattern: keyPattern.source },
                additionalProperties: value.jsonSchema(),
            };
        },
    };
}

/**
 * One of several object shapes, chosen by a predicate on the raw value (a `type` tag, or which key
 * is present), so that errors speak about the chosen shape instead of listing every alternative.
 */
export function variants<T>(choose: (value: Record<string, unknown>) => Schema<T> | string, all: Schema<T>[], description?: string): Schema<T> {
    return {
        parse(value, path, ctx) {
            if (!isPlainObject(value)) return fail(ctx, path, `expected an object, got ${describe(value)}`);
            const chosen = choose(value);
            if (typeof chosen === "string") return fail(ctx, path, chosen);
            return chosen.parse(value, path, ctx);
        },
        jsonSchema() {
            return { ...(description ? { description } : {}), oneOf: all.map((s) => s.jsonSchema()) };
        },
    };
}

export function join(path: string, key: string): string {
    const safeKey = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : JSON.stringify(key);
    return path ? `${path}.${safeKey}` : safeKey;
}
