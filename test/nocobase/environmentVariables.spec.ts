/**
 * The variables of one NocoBase process, computed directly for each mode, supervisor and role. The
 * expected multi-app variables are the ones NocoBase 2.2.15's multi-app guide lists per mode
 * (shared-memory: local discovery and processes; supervisor and worker: remote discovery, Redis
 * commands); the sample stacks cover the other combinations through the rendered program.
 */
import * as assert from "node:assert/strict";
import { nocobaseVariables } from "../../components/nocobase/environmentVariables";
import type { NocobaseRole, NocoBaseVariablesArgs } from "../../components/nocobase/environmentVariables";
import type { PlatformConfig, Supervisor } from "../../components/config/types";
import type { EditableConfig } from "../support/stacks";
import { validConfig } from "../support/stacks";

const MULTI_APP = /^(APP_MODE|APP_DISCOVERY_ADAPTER|APP_PROCESS_ADAPTER|APP_COMMAND_ADAPTER|ENVIRONMENT_)/;
const DATABASE = {
    host: "db.example.com",
    port: 5432,
    database: "nocobase_main",
    user: "nocobase_main",
    password: "pw",
};
const SECRETS = { appKey: "app-key", adminPassword: "admin-pw", aesKey: "a".repeat(64) };

function sharedMemory(supervisor: Supervisor): EditableConfig {
    return {
        platform: { mode: "shared-memory", nocobaseVersion: "2.2.15", supervisor },
        runtimes: { local: { type: "docker" } },
        postgres: { runtime: "local" },
        entry: { runtime: "local" },
        apps: [],
    };
}

const multiEnvironment: EditableConfig = {
    platform: { mode: "multi-environment", nocobaseVersion: "2.2.15" },
    runtimes: { local: { type: "docker" } },
    postgres: { runtime: "local" },
    redis: { runtime: "local" },
    entry: { runtime: "local" },
    environments: [{ name: "env_a", runtime: "local" }],
    apps: [],
};

function variables(config: PlatformConfig, role: NocobaseRole, extra: Partial<NocoBaseVariablesArgs> = {}) {
    return nocobaseVariables({ config, role, database: DATABASE, secrets: SECRETS, ...extra });
}

const multiApp = (plain: Record<string, string>) =>
    Object.fromEntries(Object.entries(plain).filter(([k]) => MULTI_APP.test(k)));

describe("NocoBase environment variables (nocobaseVariables)", () => {
    it("shared-memory with app-supervisor: discovery and processes stay in the one process", () => {
        const { plain, secret } = variables(validConfig(sharedMemory("app-supervisor")), { kind: "entry" });
        assert.deepEqual(multiApp(plain), { APP_DISCOVERY_ADAPTER: "local", APP_PROCESS_ADAPTER: "local" });
        assert.equal(plain.APPEND_PRESET_BUILT_IN_PLUGINS, "@nocobase/plugin-app-supervisor");
        assert.ok(!("APP_SUPERVISOR_REDIS_URL" in secret), "no Redis in shared-memory mode");
    });

    it("shared-memory with the applications API: no app-supervisor variables at all", () => {
        const { plain } = variables(validConfig(sharedMemory("applications")), { kind: "entry" });
        assert.deepEqual(multiApp(plain), {});
        assert.equal(plain.APPEND_PRESET_BUILT_IN_PLUGINS, "@nocobase/plugin-multi-app-manager");
    });

    it("multi-environment: the Redis URL is a secret of the supervisor and of each worker", () => {
        const config = validConfig(multiEnvironment);
        const worker: NocobaseRole = { kind: "worker", environment: "env_a", url: "http://w", proxyUrl: "http://p" };
        for (const role of [{ kind: "entry" } as const, worker]) {
            const { plain, secret } = variables(config, role, { redisUrl: "redis://r:6379" });
            assert.equal(secret.APP_SUPERVISOR_REDIS_URL, "redis://r:6379", role.kind);
            assert.equal(secret.APP_COMMAND_REDIS_URL, "redis://r:6379", role.kind);
            assert.equal(plain.APP_COMMAND_ADAPTER, "redis", role.kind);
        }
    });

    it("multi-environment without a Redis URL: refused, rather than a supervisor that cannot reach its workers", () => {
        assert.throws(
            () => variables(validConfig(multiEnvironment), { kind: "entry" }),
            /multi-environment mode needs a Redis URL/,
        );
    });
});
