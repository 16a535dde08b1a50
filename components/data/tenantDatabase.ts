/**
 * A NocoBase app's own PostgreSQL storage: a LOGIN role and either a database or a schema owned by
 * it. Ownership instead of grants: the owner needs no GRANT (many concurrent GRANTs on one database
 * fail with "tuple concurrently updated"), and no other tenant role gets any privilege.
 *
 * Used for tenant apps, and for the entry app and each environment, which are NocoBase apps too.
 * Role, database and schema are protected and retained: no configuration change can drop them
 * (see README, Data safety); only a decommissioned app's dump-then-drop does.
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import type { OwnedDatabase, OwnedSchema } from "../config/types";
import { TYPES } from "../core/typeTokens";

export interface TenantDatabaseArgs {
    /** What to create: a database, or a schema in the shared tenants database. */
    storage: OwnedDatabase | OwnedSchema;
    /** The role's password (secret). */
    password: pulumi.Input<string>;
    /** Admin connection to the server. */
    provider: postgresql.Provider;
    /** Schema storage: the group role allowed to connect to the tenants database. */
    tenantsGroupRole?: pulumi.Input<string>;
    /**
     * False once the app is decommissioned: its storage may then leave the program, and is still
     * retained on the server (only the decommission resource drops data, after its dump).
     */
    protect?: boolean;
}

export class TenantDatabase extends pulumi.ComponentResource {
    readonly role: postgresql.Role;
    /** Name of the database NocoBase connects to. */
    readonly database: string;
    /** Schema-mode storage: the schema NocoBase uses. */
    readonly schema?: string;
    /** The database or schema resource: what an app waits for before NocoBase registers it. */
    readonly storage: pulumi.Resource;

    constructor(name: string, args: TenantDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super(TYPES.tenantDatabase, name, {}, opts);
        const { storage, provider } = args;
        const childOpts = { parent: this, provider };
        const KEEP = { protect: args.protect ?? true, retainOnDelete: true };
        this.role = new postgresql.Role(
            `${name}-role`,
            {
                name: storage.role,
                login: true,
                password: args.password,
                superuser: false,
                createDatabase: false,
                createRole: false,
                roles: storage.mode === "schema" && args.tenantsGroupRole ? [args.tenantsGroupRole] : [],
            },
            // The role is the first thing made here: what the storage must wait for, it waits for.
            { ...childOpts, ...KEEP, dependsOn: opts?.dependsOn },
        );
        this.database = storage.database;
        if (storage.mode === "database") {
            const database = new postgresql.Database(
                `${name}-database`,
                { name: storage.database, owner: this.role.name },
                { ...childOpts, ...KEEP },
            );
            this.storage = database;
            // PostgreSQL lets every role connect to a new database; only its owner should.
            new postgresql.Grant(
                `${name}-connect`,
                { database: database.name, role: "public", objectType: "database", privileges: [] },
                childOpts,
            );
        } else {
            this.schema = storage.schema;
            this.storage = new postgresql.Schema(
                `${name}-schema`,
                { name: storage.schema, database: storage.database, owner: this.role.name },
                { ...childOpts, ...KEEP },
            );
        }
        this.registerOutputs({ role: this.role.name, database: this.database, schema: this.schema });
    }
}
