/**
 * A tenant's storage restored from a dump (`apps[].restoreFrom`): created once, right after the
 * app's database or schema and before the app is registered, so that NocoBase finds its data in
 * place instead of installing itself into empty storage. This brings back a decommissioned tenant,
 * or moves one between stacks or servers.
 *
 * - The dump is checked before anything is written: it must read back as an archive, and when a
 *   `<file>.sha256` lies beside it (every dump this platform writes has one), match it.
 * - Only empty storage is restored into: a database or schema that holds any table, view or
 *   sequence is refused, so a restore can never merge into, or overwrite, a tenant's live data.
 * - The restore is one transaction (`pg_restore --single-transaction --exit-on-error`): it lands
 *   whole or not at all. The objects are owned by the app's own role, which runs it.
 *
 * components/lifecycle/tenantRestore.ts declares the resource; Pulumi's provider host runs a bundle
 * of this module (providerBundle.ts): it imports @pulumi/pulumi for types only.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { IDENTIFIER, PgTarget, SHA256_SUFFIX, archiveEntries, psql, restoreFrom, sha256 } from "./pgTools";
import { isKnownString } from "../core/engine";
import { wire } from "./wire";

export const RESTORE_PROVIDER_VERSION = "1";

export interface RestoreInputs {
    appId: string;
    /** The dump, a `pg_dump -Fc` archive, as an absolute path on the machine running `pulumi up`. */
    file: string;
    /** The app's own login to its new storage. */
    target: PgTarget;
    providerVersion: string;
}

export interface RestoreOutputs extends RestoreInputs {
    sha256: string;
    bytes: number;
    /** Whether a recorded SHA-256 (`<file>.sha256`) was there and matched. */
    verified: boolean;
    /** Tables, views and sequences in the storage after the restore. */
    relations: number;
    restoredAt: string;
}

/** Relations a NocoBase app's data would leave: anything in the app's schema, or in any non-system schema. */
function relationsSql(t: PgTarget): string {
    const where = t.schema
        ? `n.nspname = '${t.schema}'`
        : `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'`;
    return `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND ${where}`;
}

/** Where the data goes: the schema of a schema-mode app, `public` in a database of its own. */
function schemaOf(t: PgTarget): string {
    return t.schema ?? "public";
}

/**
 * The archive's entries to restore: all but the creation of the schema the storage already has (the
 * platform created it, owned by the app's role), and its comment.
 */
function entriesToRestore(entries: string[], schema: string): string[] {
    const creates = new RegExp(`^\\d+; \\d+ \\d+ (SCHEMA|COMMENT) - (SCHEMA )?${schema} `);
    return entries.filter((e) => !creates.test(e));
}

async function restore(i: RestoreInputs): Promise<RestoreOutputs> {
    const t = i.target;
    const where = `${t.database}${t.schema ? `.${t.schema}` : ""}`;
    if (!fs.existsSync(i.file)) throw new Error(`${i.appId}: not restoring: restoreFrom ${i.file} does not exist`);
    const digest = await sha256(i.file);
    const recorded = `${i.file}${SHA256_SUFFIX}`;
    const verified = fs.existsSync(recorded);
    if (verified) {
        const expected = fs.readFileSync(recorded, "utf8").trim().split(/\s+/)[0];
        if (expected !== digest)
            throw new Error(
                `${i.appId}: not restoring: ${i.file} does not match the SHA-256 recorded in ${recorded} (it changed since it was written)`,
            );
    }
    const entries = await archiveEntries(i.file);
    const schema = schemaOf(t);
    if (!entries.some((e) => e.includes(` ${schema} `)))
        throw new Error(
            `${i.appId}: not restoring: ${i.file} holds nothing in schema ${schema}, where the app's data goes (it was dumped from another schema)`,
        );
    const before = Number(await psql(t, t.database, relationsSql(t)));
    if (before > 0)
        throw new Error(
            `${i.appId}: not restoring ${i.file} into ${where}: it already holds ${before} tables, views or sequences; a restore goes into new, empty storage only`,
        );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nocobase-restore-"));
    try {
        const list = path.join(dir, "entries.list");
        fs.writeFileSync(list, `${entriesToRestore(entries, schema).join("\n")}\n`);
        await restoreFrom(t, i.file, list);
    } catch (err) {
        throw new Error(
            `${i.appId}: restoring ${i.file} into ${where} failed, nothing was restored: ${(err as Error).message}`,
        );
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    return {
        ...i,
        sha256: digest,
        bytes: fs.statSync(i.file).size,
        verified,
        relations: Number(await psql(t, t.database, relationsSql(t))),
        restoredAt: new Date().toISOString(),
    };
}

export class TenantRestoreProvider implements pulumi.dynamic.ResourceProvider<RestoreInputs, RestoreOutputs> {
    async check(_olds: RestoreInputs, news: RestoreInputs): Promise<pulumi.dynamic.CheckResult<RestoreInputs>> {
        const failures: pulumi.dynamic.CheckFailure[] = [];
        if (isKnownString(news.file) && !path.isAbsolute(news.file))
            failures.push({ property: "file", reason: `${news.file} is not an absolute path` });
        for (const [key, value] of [
            ["appId", news.appId],
            ["target.database", news.target?.database],
            ["target.schema", news.target?.schema],
        ] as const) {
            if (isKnownString(value) && !IDENTIFIER.test(value))
                failures.push({
                    property: key,
                    reason: `${JSON.stringify(value)} is not a plain PostgreSQL identifier`,
                });
        }
        return { inputs: news, failures };
    }

    /**
     * Another dump, or other storage, is another restore, which the new storage must be empty for: a
     * replacement, whose create refuses storage that holds data. A new password is no change.
     */
    async diff(_id: string, olds: RestoreOutputs, news: RestoreInputs): Promise<pulumi.dynamic.DiffResult> {
        const replaces: string[] = [];
        if (olds.file !== news.file) replaces.push("file");
        if (olds.appId !== news.appId) replaces.push("appId");
        if (olds.target.database !== news.target.database || olds.target.schema !== news.target.schema)
            replaces.push("target");
        const changes = replaces.length > 0 || olds.providerVersion !== news.providerVersion;
        return { changes, replaces, deleteBeforeReplace: false };
    }

    async create(inputs: RestoreInputs): Promise<pulumi.dynamic.CreateResult<RestoreOutputs>> {
        return { id: inputs.appId, outs: wire(await restore(inputs)) };
    }

    async update(
        _id: string,
        olds: RestoreOutputs,
        news: RestoreInputs,
    ): Promise<pulumi.dynamic.UpdateResult<RestoreOutputs>> {
        return { outs: { ...olds, ...news } };
    }

    /** The restored data is the tenant's now: leaving the program takes nothing from it. */
    async delete(): Promise<void> {}
}

/** What the provider host calls, once per process. */
export function handler(): TenantRestoreProvider {
    return new TenantRestoreProvider();
}
