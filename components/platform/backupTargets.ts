/**
 * Every database the platform's NocoBase processes migrate on an upgrade, as the upgrade backup
 * dumps them: each with its owner's own login (a managed server's admin is no superuser, and
 * PUBLIC may not connect to a tenant's database), at the address `pulumi up` reaches the server.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config/types";
import { ENTRY_DATABASE } from "../core/identifiers";
import { RETIRED_STATE } from "../core/modes";
import type { BackupTarget } from "../lifecycle/upgradeBackupProvider";
import type { PgLogin } from "../lifecycle/pgTools";
import { environmentDatabase } from "./naming";

/** The derived password of a purpose (`db:<name>`), as PlatformSecrets gives it. */
type Derive = (purpose: string) => pulumi.Output<string>;

export function upgradeBackupTargets(
    config: PlatformConfig,
    derive: Derive,
    admin: pulumi.Output<PgLogin>,
): pulumi.Output<BackupTarget[]> {
    const owned = (name: string, database: string, role: string, password: pulumi.Output<string>, schema?: string) =>
        pulumi.all([password, admin]).apply(([pw, a]): BackupTarget => ({
            name,
            owned: true,
            host: a.host,
            port: a.port,
            sslMode: a.sslMode,
            user: role,
            password: pw,
            database,
            ...(schema ? { schema } : {}),
        }));
    const targets: pulumi.Output<BackupTarget>[] = [];
    // An adopted entry app's database is not this stack's: its owners back it up.
    if (!config.entry.external)
        targets.push(owned(`entry-${ENTRY_DATABASE}`, ENTRY_DATABASE, ENTRY_DATABASE, derive(`db:${ENTRY_DATABASE}`)));
    for (const env of config.environments) {
        if (env.sharesEntryProcess) continue;
        const db = environmentDatabase(env.name);
        targets.push(owned(`environment-${db}`, db, db, derive(`db:${db}`)));
    }
    // A decommissioned app is unregistered: no NocoBase migrates its data, and its dump exists already.
    for (const app of config.apps.filter((a) => a.state !== RETIRED_STATE)) {
        const db = app.database;
        const name = `app-${app.id}`;
        if (db.mode === "connection") {
            targets.push(
                pulumi.output({
                    name,
                    owned: false,
                    host: db.host,
                    port: db.port,
                    user: db.user,
                    password: db.password.reveal(),
                    // What libpq tries by default; the stack file says nothing about an external server's TLS.
                    sslMode: "prefer",
                    database: db.database,
                    ...(db.schema ? { schema: db.schema } : {}),
                }),
            );
        } else {
            const schema = db.mode === "schema" ? db.schema : undefined;
            targets.push(owned(name, db.database, db.role, derive(`db:${app.id}`), schema));
        }
    }
    return pulumi.secret(pulumi.all(targets));
}
