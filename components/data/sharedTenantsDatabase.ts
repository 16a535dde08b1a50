/**
 * The database that holds the schemas of schema-mode apps, and the group role whose members may
 * connect to it. Only schema-mode tenant roles are members: a database-mode tenant cannot even
 * connect here.
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import { TENANTS_GROUP_ROLE } from "../core/identifiers";
import { TYPES } from "../core/typeTokens";

export interface SharedTenantsDatabaseArgs {
    name: string;
    provider: postgresql.Provider;
}

export class SharedTenantsDatabase extends pulumi.ComponentResource {
    readonly database: postgresql.Database;
    readonly groupRole: postgresql.Role;

    constructor(name: string, args: SharedTenantsDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super(TYPES.sharedTenantsDatabase, name, {}, opts);
        // What the storage must wait for, its first resources wait for.
        const childOpts = { parent: this, provider: args.provider, dependsOn: opts?.dependsOn };
        this.groupRole = new postgresql.Role(
            `${name}-members`,
            { name: TENANTS_GROUP_ROLE, login: false },
            { ...childOpts, protect: true, retainOnDelete: true },
        );
        this.database = new postgresql.Database(
            `${name}-database`,
            { name: args.name },
            { ...childOpts, protect: true, retainOnDelete: true },
        );
        new postgresql.Grant(
            `${name}-revoke-public`,
            { database: this.database.name, role: "public", objectType: "database", privileges: [] },
            childOpts,
        );
        // CREATE too: NocoBase runs `CREATE SCHEMA IF NOT EXISTS <schema>` on every boot of a schema-mode
        // app, and PostgreSQL checks the privilege before it sees that the schema exists. A member can
        // create a new schema of its own here, but gets no privilege on any other tenant's.
        new postgresql.Grant(
            `${name}-connect`,
            {
                database: this.database.name,
                role: this.groupRole.name,
                objectType: "database",
                privileges: ["CONNECT", "CREATE"],
            },
            childOpts,
        );
        this.registerOutputs({ database: this.database.name });
    }
}
