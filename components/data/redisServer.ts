/**
 * Redis for multi-environment mode: the supervisor's config cache and the command channel between
 * the entry app and the workers. A container on a Docker runtime, or an external server.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { RedisConfig } from "../config/types";
import type { ServerArgs } from "../runtimes/runtime";
import { TYPES } from "../core/typeTokens";

/** A container comes with the Docker runtime `redis.runtime` names. */
export type RedisServerArgs = ServerArgs<RedisConfig>;

export class RedisServer extends pulumi.ComponentResource {
    /** redis:// URL as NocoBase processes use it; secret, as it may carry a password. */
    readonly url: pulumi.Output<string>;

    constructor(name: string, args: RedisServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super(TYPES.redisServer, name, {}, opts);
        if (!("runtime" in args)) {
            this.url = pulumi.secret(args.config.url.reveal());
        } else {
            const config = args.config;
            const { provider, network } = args.runtime;
            const hostName = `${args.namePrefix}-redis`;
            const image = new docker.RemoteImage(
                `${name}-image`,
                { name: config.image, keepLocally: true },
                { parent: this, provider },
            );
            new docker.Container(
                `${name}-container`,
                {
                    name: hostName,
                    image: image.imageId,
                    networksAdvanced: [{ name: network.name, aliases: [hostName] }],
                    restart: "unless-stopped",
                    healthcheck: { tests: ["CMD", "redis-cli", "ping"], interval: "5s", timeout: "3s", retries: 10 },
                },
                { parent: this, provider },
            );
            this.url = pulumi.secret(`redis://${hostName}:6379`);
        }
        this.registerOutputs({});
    }
}
