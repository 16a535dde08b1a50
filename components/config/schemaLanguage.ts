/**
 * A small schema language for the stack file. One definition yields both the validator (every
 * problem reported with its key path, never a throw) and the JSON Schema that editors use, so the
 * two cannot drift apart. Cross-field rules (references, uniqueness) live in `validate.ts`.
 */

/** One problem found in the configuration, addressed by its key path (`apps[3].database.mode`). */
export interface Issue {
    path: string;
    message: string;
}

import { Secret } from "../core/secret";
import { at, isPlainObject, join } from "../core/keyPath";
import { carriesCredentials, describe, kindOf, mustBeEncrypted, unknownKey } from "./messages";

export type JsonSchema = Record<string, unknown>;

/**
 * Whether the value at a key path is stored encrypted (`secure:` in the stack file). `unknown`
 * where only its top-level key is known to hold some encrypted value (see `StackConfigInput`).
 */
export type Secrecy = "encrypted" | "plain" | "unknown";

/** Passed down while parsing: where problems go, and which values were stored encrypted. */
export interface ParseContext {
    issues: Issue[];
    secrecy(path: string): Secrecy;
}

/** Marks a value of which nothing is usable; the problem itself has been recorded in the context. */
export const INVALID: unique symbol = Symbol("invalid");

/**
 * What parsed of a value: a field, map entry or list item that failed is left out (an entry or
 * item as `undefined`, so that names and positions stay), so that the rules spanning fields can
 * still run over the rest. Complete exactly when parsing recorded no problem. The shapes of a union
 * merge into one: which one was meant may be the very field that failed.
 */
export type Loose<T> = [T] extends [Secret | string | number | boolean | undefined]
    ? T
    : [T] extends [readonly (infer U)[] | undefined]
      ? Array<Loose<U> | undefined>
      : { [K in KeysOf<T>]?: Loose<ValueAt<T, K>> };
type KeysOf<T> = T extends unknown ? keyof T : never;
type ValueAt<T, K extends PropertyKey> = T extends unknown ? (K extends keyof T ? T[K] : never) : never;
export type Parsed<T> = Loose<T> | typeof INVALID;

export interface Schema<T> {
    parse(value: unknown, path: string, ctx: ParseContext): Parsed<T>;
    jsonSchema(): JsonSchema;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

function fail(ctx: ParseContext, path: string, message: string): typeof INVALID {
    ctx.issues.push({ path, message });
    return INVALID;
}

/**
 * Every schema but a secret's refuses an encrypted value: it would reach plain resource inputs and
 * the `status` output, and its content must not be echoed by a message about its shape either.
 */
function plainOnly<T>(parse: Schema<T>["parse"]): Schema<T>["parse"] {
    return (value, path, ctx) =>
        ctx.secrecy(path) === "encrypted"
            ? fail(
                  ctx,
                  path,
                  `must not be stored encrypted: it is shown in plain text (resource inputs, the status output); set it with pulumi config set --path '${path}' <value>, without --secret`,
              )
            : parse(value, path, ctx);
}

interface StringOptions {
    description?: string;
    pattern?: RegExp;
    /** Says what the pattern means, for the error message and the editor. */
    patternHint?: string;
    maxLength?: number;
    /** Values that match the pattern but are still refused, each with its reason. */
    reject?: Record<string, string>;
    /** A check before the pattern, for a problem the pattern's hint would not name: an error message, or undefined. */
    precheck?: (value: string) => string | undefined;
    /** A last check on a value that matched the pattern: an error message, or undefined. */
    check?: (value: string) => string | undefined;
}

export function string(options: StringOptions = {}): Schema<string> {
    return {
        parse: plainOnly((value, path, ctx) => {
            if (typeof value !== "string") return fail(ctx, path, `expected a string, got ${describe(value)}`);
            const rejected = options.reject && Object.hasOwn(options.reject, value) ? options.reject[value] : undefined;
            if (rejected !== undefined) return fail(ctx, path, `${rejected}, got ${describe(value)}`);
            if (options.maxLength !== undefined && value.length > options.maxLength) {
                return fail(ctx, path, `must be at most ${options.maxLength} characters, got ${value.length}`);
            }
            const early = options.precheck?.(value);
            if (early !== undefined) return fail(ctx, path, `${early}, got ${describe(value)}`);
            if (options.pattern && !options.pattern.test(value)) {
                return fail(
                    ctx,
                    path,
                    `${options.patternHint ?? `must match ${options.pattern.source}`}, got ${describe(value)}`,
                );
            }
            const problem = options.check?.(value);
            if (problem !== undefined) return fail(ctx, path, `${problem}, got ${describe(value)}`);
            return value;
        }),
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
        parse: plainOnly((value, path, ctx) => {
            if (typeof value === "string" && (values as readonly string[]).includes(value)) return value as Loose<T>;
            return fail(ctx, path, `expected one of ${values.join(", ")}, got ${describe(value)}`);
        }),
        jsonSchema() {
            return { enum: [...values], ...(description ? { description } : {}) };
        },
    };
}

export function integer(min: number, max: number, description?: string): Schema<number> {
    return {
        parse: plainOnly((value, path, ctx) => {
            if (typeof value !== "number" || !Number.isInteger(value)) {
                return fail(ctx, path, `expected an integer, got ${describe(value)}`);
            }
            if (value < min || value > max) return fail(ctx, path, `must be between ${min} and ${max}, got ${value}`);
            return value;
        }),
        jsonSchema() {
            return { type: "integer", minimum: min, maximum: max, ...(description ? { description } : {}) };
        },
    };
}

export function boolean(description?: string): Schema<boolean> {
    return {
        parse: plainOnly((value, path, ctx) => {
            if (typeof value !== "boolean") return fail(ctx, path, `expected true or false, got ${describe(value)}`);
            return value;
        }),
        jsonSchema() {
            return { type: "boolean", ...(description ? { description } : {}) };
        },
    };
}

const SECRET_JSON_SCHEMA = {
    oneOf: [{ type: "string" }, { type: "object", required: ["secure"], properties: { secure: { type: "string" } } }],
};

/**
 * A credential: refused in plain text, so that a password never sits in a stack file unencrypted.
 * No message shows any of its content.
 */
export function secret(description: string): Schema<Secret> {
    return {
        parse(value, path, ctx) {
            if (typeof value !== "string" || value === "")
                return fail(ctx, path, `expected a secret string, got ${kindOf(value)}`);
            if (ctx.secrecy(path) === "plain") return fail(ctx, path, mustBeEncrypted(path));
            return new Secret(value);
        },
        jsonSchema() {
            return {
                description: `${description} Store it with \`pulumi config set --secret --path\`.`,
                ...SECRET_JSON_SCHEMA,
            };
        },
    };
}

/**
 * A URL that is a secret only when it carries credentials (`user:password@`): then it must be
 * stored encrypted; without them it may be plain. Either way the program treats it as a secret.
 * `check` judges a known value (not a placeholder) and must not quote it.
 */
export function secretWhenCredentials(description: string, check: (url: string) => string | undefined): Schema<Secret> {
    return {
        parse(value, path, ctx) {
            if (typeof value !== "string" || value === "")
                return fail(ctx, path, `expected a string, got ${kindOf(value)}`);
            const url = new Secret(value);
            if (!url.known) return url;
            const problem = check(value);
            if (problem !== undefined) return fail(ctx, path, problem);
            if (carriesCredentials(value) && ctx.secrecy(path) === "plain") {
                return fail(ctx, path, mustBeEncrypted(path, " (it carries credentials)"));
            }
            return url;
        },
        jsonSchema() {
            return {
                description: `${description} With a password in it, store it with \`pulumi config set --secret --path\`.`,
                ...SECRET_JSON_SCHEMA,
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

/** A closed object: unknown keys are reported (they are almost always typos of a known key). */
export function object<F extends Fields>(fields: F, description?: string): Schema<ObjectOf<F>> {
    const names = Object.keys(fields);
    return {
        parse: plainOnly((value, path, ctx) => {
            if (!isPlainObject(value)) return fail(ctx, path, `expected an object, got ${describe(value)}`);
            for (const key of Object.keys(value))
                if (!names.includes(key)) fail(ctx, join(path, key), unknownKey(key, names));
            const out: Record<string, unknown> = {};
            for (const name of names) {
                const field = asField(fields[name]);
                const raw = value[name];
                if (raw === undefined || raw === null) {
                    if (!field.optional) fail(ctx, join(path, name), "required");
                    continue;
                }
                const parsed = field.schema.parse(raw, join(path, name), ctx);
                if (parsed !== INVALID) out[name] = parsed;
            }
            return out as Loose<ObjectOf<F>>;
        }),
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
        parse: plainOnly<T[]>((value, path, ctx) => {
            if (!Array.isArray(value)) return fail(ctx, path, `expected a list, got ${describe(value)}`);
            if (value.length > maxItems) return fail(ctx, path, `at most ${maxItems} entries, got ${value.length}`);
            return value.map((entry, i) => {
                const parsed = item.parse(entry, at(path, i), ctx);
                return parsed === INVALID ? undefined : parsed;
            }) as Loose<T[]>;
        }),
        jsonSchema() {
            return { type: "array", items: item.jsonSchema(), maxItems, ...(description ? { description } : {}) };
        },
    };
}

/** A map from names (checked against `keyPattern`) to values of one schema. */
export function record<T>(
    keyPattern: RegExp,
    keyHint: string,
    value: Schema<T>,
    description?: string,
): Schema<Record<string, T>> {
    return {
        parse: plainOnly<Record<string, T>>((raw, path, ctx) => {
            if (!isPlainObject(raw)) return fail(ctx, path, `expected a map of names to objects, got ${describe(raw)}`);
            // No prototype: a key such as "constructor" must not find Object.prototype's. Every key
            // stays, an invalid one as undefined, so that references to it are not reported as well.
            const out: Record<string, Loose<T> | undefined> = Object.create(null);
            for (const [key, entry] of Object.entries(raw)) {
                if (!keyPattern.test(key)) {
                    fail(ctx, join(path, key), `${keyHint}, got ${describe(key)}`);
                    out[key] = undefined;
                    continue;
                }
                const parsed = value.parse(entry, join(path, key), ctx);
                out[key] = parsed === INVALID ? undefined : parsed;
            }
            return out as Loose<Record<string, T>>;
        }),
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
 * One of several object shapes named by a tag key (`type: docker`): an unknown tag is reported at
 * the tag's own key path, and the errors speak about the chosen shape only.
 */
export function tagged<T>(tag: string, shapes: Record<string, Schema<T>>, description?: string): Schema<T> {
    const tags = oneOf(Object.keys(shapes));
    return {
        parse: plainOnly((value, path, ctx) => {
            if (!isPlainObject(value)) return fail(ctx, path, `expected an object, got ${describe(value)}`);
            const chosen = tags.parse(value[tag], join(path, tag), ctx);
            return chosen === INVALID ? INVALID : shapes[chosen].parse(value, path, ctx);
        }),
        jsonSchema() {
            return { ...(description ? { description } : {}), oneOf: Object.values(shapes).map((s) => s.jsonSchema()) };
        },
    };
}

/**
 * One of several object shapes, chosen by which key is present: a schema, or the problem with the
 * object when none fits, so that errors speak about the chosen shape instead of every alternative.
 */
export function variants<T>(
    choose: (value: Record<string, unknown>) => Schema<T> | string,
    all: Schema<T>[],
    description?: string,
): Schema<T> {
    return {
        parse: plainOnly((value, path, ctx) => {
            if (!isPlainObject(value)) return fail(ctx, path, `expected an object, got ${describe(value)}`);
            const chosen = choose(value);
            return typeof chosen === "string" ? fail(ctx, path, chosen) : chosen.parse(value, path, ctx);
        }),
        jsonSchema() {
            return { ...(description ? { description } : {}), oneOf: all.map((s) => s.jsonSchema()) };
        },
    };
}
