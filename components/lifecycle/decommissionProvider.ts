/**
 * Retiring a tenant for good, in two explicit steps (README, Data safety):
 *
 * 1. `state: decommissioned`: this resource is created and dumps the app's database or schema with
 *    `pg_dump` into the backups location; the app is unregistered, its storage stays (no longer
 *    protected, still retained).
 * 2. `dropData: true` in a later `pulumi up`: this resource is updated; it checks that the dump is
 *    still there, unchanged, and only then drops the database or schema and the role.
 *
 * Dropping is never part of a create: an app cannot go from running to dropped in one `up`, so the
 * dump always exists, and was taken by an earlier, successful run, before anything is dropped.
 *
 * This is the provider; components/lifecycle/appDecommission.ts declares the resource. Pulumi's provider host
 * runs a bundle of this module (components/lifecycle/providerBundle.ts): it imports @pulumi/pulumi for types only.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { IDENTIFIER, PgLogin, dumpTo, psql, sha256 } from "./pgTools";

export type { PgLogin } from "./pgTools";

export const DECOMMISSION_PROVIDER_VERSION = "1";

export interface DecommissionInputs {
    appId: string;
    stack: string;
    /** Directory the dump goes to. */
    location: string;
    /** The app's own login to its data: enough for pg_dump, and the owner may drop what it owns. */
    tenant: PgLogin & { database: string; schema?: string };
    /** Admin login, to drop the role. Absent for an external connection (nothing of ours to drop). */
    admin?: PgLogin;
    /** The role to drop with the data (stack-created storage only). */
    role?: string;
    dropData: boolean;
    providerVersion: string;
}

export interface DecommissionOutputs extends DecommissionInputs {
    backupFile: string;
    backupBytes: number;
    backupSha256: string;
    backupAt: string;
    dropped: boolean;
}

function checkIdentifiers(i: DecommissionInputs): string[] {
    const names: Array<[string, string | undefined]> = [
        ["appId", i.appId],
        ["tenant.database", i.tenant?.database],
        ["tenant.schema", i.tenant?.schema],
        ["role", i.role],
    ];
    return names
        .filter(([, v]) => v !== undefined && !IDENTIFIER.test(v))
        .map(([k, v]) => `${k}: ${JSON.stringify(v)} is not a plain PostgreSQL identifier`);
}

/** Dumps the tenant's data in pg_dump's custom format, then proves the archive reads back. */
async function dump(
    i: DecommissionInputs,
): Promise<Pick<DecommissionOutputs, "backupFile" | "backupBytes" | "backupSha256" | "backupAt">> {
    const at = new Date();
    const dir = path.resolve(i.location, i.stack);
    fs.mkdirSync(dir, { recursive: true });
    const written = await dumpTo(i.tenant, path.join(dir, `${i.appId}-${at.toISOString().replace(/[:.]/g, "-")}.dump`));
    return {
        backupFile: written.file,
        backupBytes: written.bytes,
        backupSha256: written.sha256,
        backupAt: at.toISOString(),
    };
}

/** Drops the tenant's data and role, after checking that its dump is still what was written. */
async function drop(o: DecommissionOutputs): Promise<void> {
    if (!fs.existsSync(o.backupFile)) throw new Error(`not dropping ${o.appId}: its dump ${o.backupFile} is gone`);
    if ((await sha256(o.backupFile)) !== o.backupSha256)
        throw new Error(`not dropping ${o.appId}: its dump ${o.backupFile} changed since it was written`);
    if (!o.admin || !o.role)
        throw new Error(`not dropping ${o.appId}: its data is not this stack's (external connection)`);
    const t = o.tenant;
    if (t.schema) {
        await psql(o.admin, t.database, `DROP SCHEMA IF EXISTS "${t.schema}" CASCADE; DROP OWNED BY "${o.role}";`);
    } else {
        // The maintenance database, as the owner may not drop the database it is connected to.
        await psql(o.admin, "postgres", `DROP DATABASE IF EXISTS "${t.database}" WITH (FORCE);`);
    }
    await psql(o.admin, "postgres", `DROP ROLE IF EXISTS "${o.role}";`);
}

export class AppDecommissionProvider implements pulumi.dynamic.ResourceProvider<
    DecommissionInputs,
    DecommissionOutputs
> {
    async check(
        _olds: DecommissionInputs,
        news: DecommissionInputs,
    ): Promise<pulumi.dynamic.CheckResult<DecommissionInputs>> {
        const failures = checkIdentifiers(news).map((reason) => ({ property: reason.split(":")[0], reason }));
        return { inputs: news, failures };
    }

    async diff(_id: string, olds: DecommissionOutputs, news: DecommissionInputs): Promise<pulumi.dynamic.DiffResult> {
        // Another database or schema is another tenant's data: a new dump, never an in-place change.
        const replaces = (["appId", "stack"] as const).filter((k) => olds[k] !== news[k]);
        if (olds.tenant.database !== news.tenant.database || olds.tenant.schema !== news.tenant.schema)
            replaces.push("appId");
        const changes =
            replaces.length > 0 || olds.dropData !== news.dropData || olds.providerVersion !== news.providerVersion;
        return { changes, replaces, deleteBeforeReplace: false };
    }

    async create(inputs: DecommissionInputs): Promise<pulumi.dynamic.CreateResult<DecommissionOutputs>> {
        if (inputs.dropData) {
            throw new Error(
                `${inputs.appId}: dropData needs the app decommissioned (dumped) by an earlier pulumi up; set dropData: false, run pulumi up, then set it again`,
            );
        }
        const backup = await dump(inputs);
        return { id: `${inputs.stack}/${inputs.appId}`, outs: { ...inputs, ...backup, dropped: false } };
    }

    async update(
        _id: string,
        olds: DecommissionOutputs,
        news: DecommissionInputs,
    ): Promise<pulumi.dynamic.UpdateResult<DecommissionOutputs>> {
        if (olds.dropped && !news.dropData) {
            throw new Error(
                `${news.appId}: its data was dropped; restore it from ${olds.backupFile} before setting dropData: false`,
            );
        }
        const outs: DecommissionOutputs = { ...olds, ...news, dropped: olds.dropped };
        if (news.dropData && !olds.dropped) {
            await drop(outs);
            outs.dropped = true;
        }
        return { outs };
    }

    /** The dump is kept: backups outlive the resource that made them. */
    async delete(): Promise<void> {}
}

/** What the provider host calls, once per process. */
export function handler(): AppDecommissionProvider {
    return new AppDecommissionProvider();
}
