/**
 * The backup taken before NocoBase is upgraded: one resource per platform that holds the NocoBase
 * version the platform's data was last migrated to, and that every workload depends on.
 *
 * - Changing `platform.nocobaseVersion` updates it, and its update dumps every database the
 *   platform's NocoBase processes migrate (the entry app's, each environment's, each registered
 *   tenant's database or schema) into `<location>/<stack>/upgrade-<from>-<to>-<time>/`, each read
 *   back with `pg_restore --list` and fingerprinted, before any workload is touched: the workloads
 *   run the new image only after this update succeeded. A dump that fails fails the update, and
 *   the engine replaces nothing that depends on it; the next `pulumi up` tries again.
 * - A downgrade is refused in `check`, which the engine calls with the deployed inputs in every
 *   preview: NocoBase migrates data forwards only, and its own answer to a rollback is a restore
 *   of the backup taken before the upgrade.
 *
 * NocoBase upgrades an app's data when it starts it on a newer version, unless the app's `upgrade`
 * option is off ("whether to automatically upgrade existing lower-version NocoBase data to the
 * current version"): such an app keeps data of the old version under the new code. It is dumped all
 * the same (the new code runs against it), and the record names it, so the status says which
 * tenants were left out of the data upgrade.
 *
 * components/lifecycle/upgradeBackup.ts declares the resource; Pulumi's provider host runs a bundle
 * of this module (providerBundle.ts): it imports @pulumi/pulumi for types only.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { UPGRADE_MANIFEST, fileTimestamp, upgradeBackupDirectory } from "../core/backups";
import { NOCOBASE_RELEASE, compareReleases } from "../core/identifiers";
import { DumpFile, IDENTIFIER, PgLogin, PgTarget, dumpTo, psql } from "./pgTools";
import { isKnownString } from "../core/engine";
import { wire } from "./wire";

export const UPGRADE_BACKUP_PROVIDER_VERSION = "1";

/** One database (or schema) to dump, as the machine running `pulumi up` reaches it with its owner's login. */
export interface BackupTarget extends PgTarget {
    /** The dump's file name without `.dump`: `entry-<database>`, `environment-<database>`, `app-<id>`. */
    name: string;
    /**
     * Storage this stack creates. Such a database or schema may not exist yet in the run that
     * upgrades (an app added in the same edit): then it holds nothing to lose and is skipped, as the
     * admin login finds it absent. External data always exists, and is always dumped.
     */
    owned: boolean;
}

export interface UpgradeBackupInputs {
    stack: string;
    nocobaseVersion: string;
    /** `backups.location`; an upgrade without one is refused. */
    location?: string;
    databases: BackupTarget[];
    /** Admin login, to tell a database that does not exist yet from one that cannot be dumped. */
    admin?: PgLogin;
    /** Apps whose `upgrade` is off: NocoBase leaves their data at the old version. */
    notUpgraded: string[];
    providerVersion: string;
}

export interface UpgradeDump extends DumpFile {
    name: string;
    database: string;
    schema?: string;
}

/** The last upgrade's backup, as the status output shows it. */
export interface UpgradeRecord {
    from: string;
    to: string;
    at: string;
    directory: string;
    dumps: UpgradeDump[];
    /** Owned storage that did not exist yet when the backup ran (created in the same run). */
    skipped: string[];
    notUpgraded: string[];
}

export interface UpgradeBackupOutputs extends UpgradeBackupInputs {
    lastUpgrade: UpgradeRecord | null;
}

const NAME = /^[a-z][a-z0-9_-]{0,80}$/;

/** The refusal of a downgrade, in the words the preview and the plan print. */
export function downgradeProblem(from: string, to: string): string {
    return `NocoBase ${from} -> ${to} is a downgrade: NocoBase migrates data forwards only, and a rollback is a restore of the backup taken before the upgrade; set platform.nocobaseVersion back to ${from}`;
}

export function missingLocationProblem(from: string, to: string): string {
    return `upgrading NocoBase ${from} -> ${to} dumps every database first, and needs backups.location`;
}

/** What refuses a version change before anything changes, or undefined when it may go ahead. */
export function versionChangeProblem(from: string, to: string, location: string | undefined): string | undefined {
    if (from === to) return undefined;
    if (compareReleases(to, from) < 0) return downgradeProblem(from, to);
    if (!location) return missingLocationProblem(from, to);
    return undefined;
}

function inputFailures(i: UpgradeBackupInputs): pulumi.dynamic.CheckFailure[] {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if (isKnownString(i.nocobaseVersion) && !NOCOBASE_RELEASE.test(i.nocobaseVersion))
        failures.push({ property: "nocobaseVersion", reason: `${i.nocobaseVersion} is not a release like 2.2.15` });
    if (Array.isArray(i.databases)) {
        i.databases.forEach((d, n) => {
            for (const [key, value, rule] of [
                ["name", d.name, NAME],
                ["database", d.database, IDENTIFIER],
                ["schema", d.schema, IDENTIFIER],
            ] as const) {
                if (isKnownString(value) && !rule.test(value))
                    failures.push({
                        property: `databases[${n}].${key}`,
                        reason: `${JSON.stringify(value)} is not a plain PostgreSQL identifier`,
                    });
            }
        });
    }
    return failures;
}

/** Whether owned storage is on the server yet: the catalogs are readable by any login. */
async function exists(admin: PgLogin, target: BackupTarget): Promise<boolean> {
    const inDatabase = await psql(
        admin,
        "postgres",
        `SELECT count(*) FROM pg_database WHERE datname = '${target.database}'`,
    );
    if (inDatabase !== "1") return false;
    if (!target.schema) return true;
    return (
        (await psql(admin, target.database, `SELECT count(*) FROM pg_namespace WHERE nspname = '${target.schema}'`)) ===
        "1"
    );
}

/** Dumps every target into a new directory, one at a time, and writes the manifest last. */
async function backUp(from: string, news: UpgradeBackupInputs): Promise<UpgradeRecord> {
    const at = new Date();
    const directory = path.resolve(
        news.location!,
        news.stack,
        upgradeBackupDirectory(from, news.nocobaseVersion, fileTimestamp(at)),
    );
    fs.mkdirSync(directory, { recursive: true });
    const record: UpgradeRecord = {
        from,
        to: news.nocobaseVersion,
        at: at.toISOString(),
        directory,
        dumps: [],
        skipped: [],
        notUpgraded: news.notUpgraded ?? [],
    };
    for (const target of news.databases) {
        if (target.owned && news.admin && !(await exists(news.admin, target))) {
            record.skipped.push(target.name);
            continue;
        }
        try {
            const written = await dumpTo(target, path.join(directory, `${target.name}.dump`));
            record.dumps.push({
                name: target.name,
                database: target.database,
                ...(target.schema ? { schema: target.schema } : {}),
                ...written,
            });
        } catch (err) {
            throw new Error(
                `upgrade NocoBase ${from} -> ${news.nocobaseVersion} stopped before any workload was replaced: the backup of ${target.name} (${target.database}${target.schema ? `.${target.schema}` : ""}) failed: ${(err as Error).message}. The dumps taken so far are in ${directory}`,
            );
        }
    }
    fs.writeFileSync(path.join(directory, UPGRADE_MANIFEST), `${JSON.stringify(record, null, 2)}\n`);
    return record;
}

export class UpgradeBackupProvider implements pulumi.dynamic.ResourceProvider<
    UpgradeBackupInputs,
    UpgradeBackupOutputs
> {
    /** `olds` are the deployed inputs: a downgrade or an upgrade without a backup location stops the preview here. */
    async check(
        olds: Partial<UpgradeBackupInputs>,
        news: UpgradeBackupInputs,
    ): Promise<pulumi.dynamic.CheckResult<UpgradeBackupInputs>> {
        const failures = inputFailures(news);
        if (isKnownString(olds?.nocobaseVersion) && isKnownString(news.nocobaseVersion)) {
            const problem = versionChangeProblem(olds.nocobaseVersion, news.nocobaseVersion, news.location);
            if (problem) failures.push({ property: "nocobaseVersion", reason: problem });
        }
        return { inputs: news, failures };
    }

    /**
     * Only a version change (or where backups go) is a change: the list of databases grows with
     * every tenant, and an update for it would do nothing but rewrite the state.
     */
    async diff(_id: string, olds: UpgradeBackupOutputs, news: UpgradeBackupInputs): Promise<pulumi.dynamic.DiffResult> {
        const problem = versionChangeProblem(olds.nocobaseVersion, news.nocobaseVersion, news.location);
        if (problem && compareReleases(news.nocobaseVersion, olds.nocobaseVersion) < 0) throw new Error(problem);
        const changes = (["nocobaseVersion", "location", "stack", "providerVersion"] as const).some(
            (k) => olds[k] !== news[k],
        );
        return { changes, replaces: [], deleteBeforeReplace: false };
    }

    /** A new platform, or one deployed before this resource existed: its version is recorded, nothing is dumped. */
    async create(inputs: UpgradeBackupInputs): Promise<pulumi.dynamic.CreateResult<UpgradeBackupOutputs>> {
        return { id: inputs.stack, outs: wire({ ...inputs, lastUpgrade: null }) };
    }

    async update(
        _id: string,
        olds: UpgradeBackupOutputs,
        news: UpgradeBackupInputs,
    ): Promise<pulumi.dynamic.UpdateResult<UpgradeBackupOutputs>> {
        const from = olds.nocobaseVersion;
        const problem = versionChangeProblem(from, news.nocobaseVersion, news.location);
        if (problem) throw new Error(problem);
        const lastUpgrade = from === news.nocobaseVersion ? olds.lastUpgrade : await backUp(from, news);
        return { outs: wire({ ...news, lastUpgrade }) };
    }

    /** The backups are kept: they outlive the resource that made them. */
    async delete(): Promise<void> {}
}

/** What the provider host calls, once per process. */
export function handler(): UpgradeBackupProvider {
    return new UpgradeBackupProvider();
}
