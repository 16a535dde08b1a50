/**
 * The pieces the stack-file schema is built from: zod schemas whose error messages read as this
 * project's always have (`expected a string, got 42`), and which `z.toJSONSchema` turns into the
 * editor schema. Which values are secrets, and how a union picks its shape by key, is recorded
 * here in registries, for `parse.ts` to walk the schema with.
 */
import { z } from "zod";
import { Secret } from "../core/secret";
import { describe, kindOf } from "./messages";

type RawIssue = z.core.$ZodRawIssue;

/** The message for a value of the wrong type; a missing one is `absent`. */
function typeError(expected: string, absent = "required", show: (value: unknown) => string = describe) {
    return (issue: RawIssue) => (issue.input === undefined ? absent : `expected ${expected}, got ${show(issue.input)}`);
}

/** A check with a message of its own: a problem, or undefined for none. */
function problemCheck(problem: (value: string) => string | undefined, echo: boolean) {
    return z.superRefine<string>((value, ctx) => {
        const found = problem(value);
        if (found !== undefined)
            ctx.addIssue({ code: "custom", input: value, message: echo ? `${found}, got ${describe(value)}` : found });
    });
}

interface Documented {
    description?: string;
    /** The value a program falls back on (from `core/defaults`), shown to editors. */
    default?: string | number | boolean;
}

/** Values refused on top of a pattern, each with its reason; `jsonSchema` when they are a shared list (`$defs`). */
export interface Refused {
    words: Record<string, string>;
    jsonSchema?: object;
}

interface TextRules extends Documented {
    pattern: RegExp;
    /** Says what the pattern means, for the error message. */
    hint: string;
    maxLength?: number;
    /** Values that match the pattern but are still refused, each with its reason. */
    reject?: Refused;
    /** A check before the pattern, for a problem the pattern's hint would not name. */
    precheck?: (value: string) => string | undefined;
    /** A last check on a value that matched the pattern; its message must not quote the value. */
    check?: (value: string) => string | undefined;
    /** The message when the value is missing. */
    absent?: string;
}

/**
 * A string, checked in this order: type, refused words, length, precheck, pattern, check. Every
 * check runs; the first problem at a key path is the one reported (see `firstPerPath`).
 */
export function text(rules: TextRules) {
    const words = rules.reject?.words;
    const refusedJson = words && (rules.reject?.jsonSchema ?? { enum: Object.keys(words) });
    let schema = z.string({ error: typeError("a string", rules.absent) });
    if (words)
        schema = schema.refine((value) => !Object.hasOwn(words, value), {
            error: (issue) => `${words[issue.input as string]}, got ${describe(issue.input)}`,
        });
    const { maxLength } = rules;
    if (maxLength !== undefined)
        schema = schema.max(maxLength, {
            error: (issue) => `must be at most ${maxLength} characters, got ${(issue.input as string).length}`,
        });
    if (rules.precheck) schema = schema.check(problemCheck(rules.precheck, true));
    schema = schema.regex(rules.pattern, { error: (issue) => `${rules.hint}, got ${describe(issue.input)}` });
    if (rules.check) schema = schema.check(problemCheck(rules.check, true));
    return schema.meta({ ...documented(rules), ...(refusedJson ? { not: refusedJson } : {}) });
}

function documented({ description, default: value }: Documented) {
    return { ...(description ? { description } : {}), ...(value !== undefined ? { default: value } : {}) };
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T, doc: Documented = {}) {
    return z.enum(values, { error: typeError(`one of ${values.join(", ")}`) }).meta(documented(doc));
}

export function integer(min: number, max: number, doc: Documented = {}) {
    const outside = (issue: RawIssue) => `must be between ${min} and ${max}, got ${issue.input}`;
    return z
        .int({ error: typeError("an integer") })
        .min(min, { error: outside })
        .max(max, { error: outside })
        .meta(documented(doc));
}

export function flag(doc: Documented = {}) {
    return z.boolean({ error: typeError("true or false") }).meta(documented(doc));
}

/** A value refused in this place, with the reason; editors refuse it too. */
export function refused(reason: string) {
    return z.never({ error: reason });
}

/**
 * How a secret must be stored: `always` encrypted, or encrypted only when it carries credentials
 * (`user:password@`). Either way the program holds it as a `Secret`.
 */
export const SECRETS = z.registry<{ encrypted: "always" | "withCredentials" }>();

const SECRET_JSON_SCHEMA = {
    oneOf: [{ type: "string" }, { type: "object", required: ["secure"], properties: { secure: { type: "string" } } }],
};

/** A credential: refused in plain text (see `parse.ts`). No message shows any of its content. */
export function secret(description: string, absent?: string) {
    const schema = z
        .string({ error: typeError("a secret string", absent, kindOf) })
        .min(1, { error: typeError("a secret string", absent, kindOf) })
        .transform((value) => new Secret(value))
        .meta({ description: `${description} Store it with \`pulumi config set --secret --path\`.` });
    return schema.register(SECRETS, { encrypted: "always" });
}

/** A URL that is a secret only when it carries credentials. `check` judges a known value and must not quote it. */
export function secretWhenCredentials(description: string, check: (url: string) => string | undefined) {
    const schema = z
        .string({ error: typeError("a string", undefined, kindOf) })
        .min(1, { error: typeError("a string", undefined, kindOf) })
        .check(problemCheck((url) => (url === Secret.PLACEHOLDER ? undefined : check(url)), false))
        .transform((value) => new Secret(value))
        .meta({
            description: `${description} With a password in it, store it with \`pulumi config set --secret --path\`.`,
        });
    return schema.register(SECRETS, { encrypted: "withCredentials" });
}

/** A key given as null is absent, as Pulumi's config reads it; a list item or map value that is null is not. */
function withoutNullFields(keys: readonly string[]) {
    return (value: unknown) => {
        if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
        const copy = { ...value } as Record<string, unknown>;
        for (const key of keys) if (copy[key] === null) delete copy[key];
        return copy;
    };
}

/** A closed object: an unknown key is reported, with the known one it most likely meant. */
export function closed<S extends z.core.$ZodLooseShape>(shape: S, description?: string) {
    return z.preprocess(
        withoutNullFields(Object.keys(shape)),
        z.strictObject(shape, { error: typeError("an object") }).meta(documented({ description })),
    );
}

export function list<T extends z.ZodType>(item: T, maxItems: number, description?: string) {
    return (
        z
            .array(item, { error: typeError("a list") })
            // Checked even when items failed: a list too long is refused as one problem (see `parse.ts`).
            .max(maxItems, {
                error: (issue) => `at most ${maxItems} entries, got ${(issue.input as unknown[]).length}`,
            })
            .meta(documented({ description }))
    );
}

/** A map from names (matching `keyPattern`) to values of one schema. */
export function names<T extends z.ZodType>(keyPattern: RegExp, keyHint: string, value: T, description?: string) {
    const key = z.string().regex(keyPattern, { error: (issue) => `${keyHint}, got ${describe(issue.input)}` });
    return z
        .record(key, value, {
            error: (issue) =>
                issue.code === "invalid_key" ? issue.issues[0]?.message : typeError("a map of names to objects")(issue),
        })
        .meta(documented({ description }));
}

/**
 * One of several closed objects named by a tag key (`type: docker`): an unknown tag is reported at
 * the tag's own key path, and the errors speak about the chosen shape only.
 */
export function tagged<const Tag extends string, const Options extends readonly [z.ZodObject, ...z.ZodObject[]]>(
    tag: Tag,
    options: Options,
    doc: { description?: string; absent?: string } = {},
) {
    const tags = options.map((o) => (o.shape[tag] as z.ZodLiteral).value);
    const union = z.discriminatedUnion(tag, options as unknown as [z.ZodObject, ...z.ZodObject[]], {
        error: (issue) => {
            if (issue.code !== "invalid_union") return typeError("an object")(issue);
            const given = (issue.input as Record<string, unknown>)[tag];
            const missing = given === undefined || given === null;
            return missing && doc.absent ? doc.absent : `expected one of ${tags.join(", ")}, got ${describe(given)}`;
        },
    });
    // The tag stays as given: a null one is reported as null where the tag is no field of its own.
    const keys = [...new Set(options.flatMap((o) => Object.keys(o.shape)))].filter((key) => key !== tag);
    return z.preprocess(withoutNullFields(keys), union.meta(documented(doc))) as unknown as z.ZodPipe<
        z.ZodTransform,
        z.ZodDiscriminatedUnion<[...Options]>
    >;
}

/** Which shape of a keyed union a value means: the first whose key it has; `none` when it has none. */
export const KEYED = z.registry<{ keys: readonly string[]; none: string }>();

/**
 * One of several closed objects, chosen by which key is present (`runtime` or `host`), so that
 * errors speak about the chosen shape instead of every alternative.
 */
export function keyed<const Options extends readonly [z.ZodType, ...z.ZodType[]]>(
    options: Options,
    keys: { [I in keyof Options]: string },
    none: string,
    description?: string,
) {
    const union = z.union(options, { error: typeError("an object") }).meta(documented({ description }));
    KEYED.add(union, { keys, none });
    return union;
}

/** JSON Schema `override`: a secret reads as the stack file holds it, in plain text or as `secure:`. */
export function editorView({
    zodSchema,
    jsonSchema,
}: {
    zodSchema: z.core.$ZodTypes;
    jsonSchema: Record<string, unknown>;
}) {
    if (!SECRETS.has(zodSchema as unknown as z.ZodType)) return;
    for (const key of Object.keys(jsonSchema)) if (key !== "description") delete jsonSchema[key];
    Object.assign(jsonSchema, SECRET_JSON_SCHEMA);
}
