/**
 * The PostgreSQL server of the platform: a container on a Docker runtime (dev, staging) or an
 * external server (production). Either way it yields an admin provider for `pulumi up` and the
 * address at which NocoBase processes reach it.
 */
import * as docker from "@pulumi/docker";
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { PostgresConfig, SslMode } from "../config/types";
import type { PgLogin } from "../lifecycle/decommissionProvider";
import { dockerHostAddress } from "../platform/naming";
import type { ServerArgs } from "../runtimes/runtime";
import { TYPES } from "../core/typeTokens";
import { POSTGRES_PORT } from "../core/defaults";

/** A container comes with the Docker runtime `postgres.runtime` names. */
export type PostgresServerArgs = ServerArgs<PostgresConfig>;

export class PostgresServer extends pulumi.ComponentResource {
    /** Admin connection used by `pulumi up` to manage roles, databases and schemas. */
    readonly provider: postgresql.Provider;
    /** Address and port NocoBase processes use (inside their runtime). */
    readonly host: string;
    readonly port: number;
    readonly sslMode: SslMode;
    /** The admin login as the machine running `pulumi up` reaches the server; secret. */
    readonly adminLogin: pulumi.Output<PgLogin>;

    constructor(name: string, args: PostgresServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super(TYPES.postgresServer, name, {}, opts);
        if (!("runtime" in args)) {
            const config = args.config;
            this.host = config.host;
            this.port = config.port;
            this.sslMode = config.sslMode;
            this.adminLogin = pulumi.secret({
                host: config.host,
                port: config.port,
                user: config.adminUser,
                password: config.adminPassword.reveal(),
                sslMode: config.sslMode,
            });
            this.provider = new postgresql.Provider(
                `${name}-admin`,
                {
                    host: config.host,
                    port: config.port,
                    username: config.adminUser,
                    password: pulumi.secret(config.adminPassword.reveal()),
                    sslmode: config.sslMode,
                    // Managed servers (RDS, Cloud SQL) give CREATEROLE and CREATEDB, never superuser.
                    superuser: false,
                    connectTimeout: 30,
                },
                { parent: this },
            );
        } else {
            const config = args.config;
            const { provider: dockerProvider, network } = args.runtime;
            const hostName = `${args.namePrefix}-postgres`;
            const password = new random.RandomPassword(
                `${name}-password`,
                { length: 32, special: false },
                { parent: this },
            ).result;
            const image = new docker.RemoteImage(
                `${name}-image`,
                { name: config.image, keepLocally: true },
                { parent: this, provider: dockerProvider },
            );
            // Every tenant's data is in here: the volume outlives the container and the stack.
            const data = new docker.Volume(
                `${name}-data`,
                { name: `${hostName}-data` },
                { parent: this, provider: dockerProvider, retainOnDelete: true },
            );
            const container = new docker.Container(
                `${name}-container`,
                {
                    name: hostName,
                    image: image.imageId,
                    envs: [pulumi.interpolate`POSTGRES_PASSWORD=${password}`],
                    networksAdvanced: [{ name: network.name, aliases: [hostName] }],
                    ports: [{ internal: POSTGRES_PORT, external: config.port }],
                    volumes: [{ volumeName: data.name, containerPath: "/var/lib/postgresql/data" }],
                    restart: "unless-stopped",
                    healthcheck: {
                        tests: ["CMD", "pg_isready", "-U", "postgres"],
                        interval: "5s",
                        timeout: "5s",
                        retries: 12,
                    },
                    // The PostgreSQL provider connects right after: wait until the server accepts connections.
                    wait: true,
                    waitTimeout: 120,
                },
                { parent: this, provider: dockerProvider },
            );
            this.host = hostName;
            this.port = POSTGRES_PORT;
            this.sslMode = "disable";
            const adminHost = dockerHostAddress(args.runtime.config.host);
            this.adminLogin = pulumi.secret(
                password.apply((pw) => ({
                    host: adminHost,
                    port: config.port,
                    user: "postgres",
                    password: pw,
                    sslMode: "disable",
                })),
            );
            this.provider = new postgresql.Provider(
                `${name}-admin`,
                {
                    host: adminHost,
                    port: config.port,
                    username: "postgres",
                    password,
                    sslmode: "disable",
                    superuser: true,
                    connectTimeout: 30,
                },
                { parent: this, dependsOn: [container] },
            );
        }
        this.registerOutputs({ host: this.host, port: this.port });
    }
}
