/**
 * The program as `pulumi up` would register it, for each sample stack: resource graph, providers,
 * NocoBase environment variables, database ownership, secrets, status, and which edits of a stack
 * touch which resources.
 */
import * as assert from "node:assert/strict";
import { Rendered, Registration, SecretValue, reveal } from "../../cli/harness/render";
import type { PlatformStatus } from "../../components/platform/status";
import type { DatabaseAccess } from "../../components/platform/platform";
import {
    EditableConfig,
    assertNamedTree,
    byName,
    compare,
    envMap,
    knownSecrets,
    nonEmpty,
    ofType,
    parentName,
    plainStrings,
    renderStack,
} from "../support/stacks";

const T = {
    app: "nocobase-platform:index:TenantApp",
    tenantDb: "nocobase-platform:index:TenantDatabase",
    registration: "pulumi-nodejs:dynamic/nocobase:App",
    database: "postgresql:index/database:Database",
    schema: "postgresql:index/schema:Schema",
    role: "postgresql:index/role:Role",
    grant: "postgresql:index/grant:Grant",
    container: "docker:index/container:Container",
    deployment: "kubernetes:apps/v1:Deployment",
    k8sSecret: "kubernetes:core/v1:Secret",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
};

/** The multi-app variables of reference section 5, per role. */
const MULTI_APP_VARS = /^(APP_MODE|APP_\w+_ADAPTER|APP_SUPERVISOR_REDIS_URL|APP_COMMAND_REDIS_URL|ENVIRONMENT_\w+)$/;
const SUPERVISOR_VARS = [
    "APP_COMMAND_ADAPTER",
    "APP_COMMAND_REDIS_URL",
    "APP_DISCOVERY_ADAPTER",
    "APP_MODE",
    "APP_PROCESS_ADAPTER",
    "APP_SUPERVISOR_REDIS_URL",
];
const WORKER_VARS = [...SUPERVISOR_VARS, "ENVIRONMENT_NAME", "ENVIRONMENT_PROXY_URL", "ENVIRONMENT_URL"].sort();
const CORE_VARS = [
    "APP_AES_SECRET_KEY",
    "APP_ENV",
    "APP_KEY",
    "APP_PORT",
    "APPEND_PRESET_BUILT_IN_PLUGINS",
    "DB_DATABASE",
    "DB_DIALECT",
    "DB_HOST",
    "DB_PASSWORD",
    "DB_PORT",
    "DB_USER",
    "INIT_ROOT_EMAIL",
    "INIT_ROOT_PASSWORD",
    "INIT_ROOT_USERNAME",
    "TZ",
];
const SECRET_VARS = [
    "APP_AES_SECRET_KEY",
    "APP_COMMAND_REDIS_URL",
    "APP_KEY",
    "APP_SUPERVISOR_AES_SECRET_KEY",
    "APP_SUPERVISOR_REDIS_URL",
    "DB_PASSWORD",
    "INIT_ROOT_PASSWORD",
];

const stacks: Record<string, Rendered & { config: EditableConfig }> = {};

describe("program under mocks", function () {
    this.timeout(120_000);

    before(async () => {
        for (const stack of ["dev", "staging", "prod"]) stacks[stack] = await renderStack(stack);
    });

    describe("resource graph", () => {
        for (const stack of ["dev", "staging", "prod"]) {
            it(`${stack}: one root, every child named <parent>-<role> under a registered parent`, () => {
                assertNamedTree(stacks[stack]);
            });

            it(`${stack}: one TenantApp per app, child of the platform, named after the app id only`, () => {
                const r = stacks[stack];
                const apps = ofType(r, T.app);
                assert.deepEqual(
                    apps.map((a) => a.name).sort(),
                    r.config.apps.map((a: { id: string }) => `platform-app-${a.id}`).sort(),
                );
                for (const app of apps) assert.equal(parentName(r, app), "platform");
            });

            it(`${stack}: at most 6 registrations per app, the component included`, () => {
                const r = stacks[stack];
                for (const app of r.config.apps) {
                    const own = r.registrations.filter(
                        (x) => x.name === `platform-app-${app.id}` || x.name.startsWith(`platform-app-${app.id}-`),
                    );
                    assert.ok(
                        own.length <= 6,
                        `${app.id}: ${own.length} registrations: ${own.map((x) => x.name).join(", ")}`,
                    );
                    assert.ok(own.length >= 2, `${app.id} has a component and a registration`);
                }
            });

            it(`${stack}: every infrastructure resource uses an explicit provider of its runtime`, () => {
                const r = stacks[stack];
                const providerOf = (reg: Registration) =>
                    r.registrations.find((p) => reg.provider.startsWith(`${p.urn}::`))?.name;
                for (const reg of nonEmpty(
                    r.registrations.filter((x) => x.custom && !x.type.startsWith("pulumi:providers:")),
                    "custom resources",
                )) {
                    if (reg.type.startsWith("postgresql:"))
                        assert.equal(providerOf(reg), "platform-postgres-admin", reg.name);
                    else if (reg.type.startsWith("docker:") || reg.type.startsWith("kubernetes:")) {
                        const provider = providerOf(reg);
                        assert.match(
                            provider ?? "",
                            /^platform-runtime-[a-z0-9-]+-provider$/,
                            `${reg.name} has an explicit runtime provider`,
                        );
                    } else
                        assert.ok(
                            ["random:", "pulumi-nodejs:dynamic"].some((p) => reg.type.startsWith(p)),
                            `unexpected type ${reg.type}`,
                        );
                }
            });
        }

        it("URNs are the engine's: a child's type is qualified with its parent's whole chain", () => {
            // As `pulumi preview --json` of the dev shape printed it (the SDK's mocks qualify with the parent's own type only).
            const role = byName(stacks.dev, "platform-app-crm-db-role");
            assert.equal(
                role.urn,
                "urn:pulumi:dev::nocobase-platform::nocobase-platform:index:NocoBasePlatform$nocobase-platform:index:TenantApp$nocobase-platform:index:TenantDatabase$postgresql:index/role:Role::platform-app-crm-db-role",
            );
            assert.equal(
                byName(stacks.dev, "platform").urn,
                "urn:pulumi:dev::nocobase-platform::nocobase-platform:index:NocoBasePlatform::platform",
            );
        });

        it("dev: the PostgreSQL admin connection waits for the container it connects to", () => {
            const container = byName(stacks.dev, "platform-postgres-container");
            assert.equal(container.type, "docker:index/container:Container");
            assert.ok(
                byName(stacks.dev, "platform-postgres-admin").dependencies.includes(container.urn),
                "the first up would connect before the server exists",
            );
        });

        it("prod: each environment's workload runs on its own cluster's provider", () => {
            const r = stacks.prod;
            const providerOf = (name: string) =>
                r.registrations.find((p) => byName(r, name).provider.startsWith(`${p.urn}::`))?.name;
            assert.equal(providerOf("platform-env-us_1-workload-deployment"), "platform-runtime-us-provider");
            assert.equal(providerOf("platform-env-eu_1-workload-deployment"), "platform-runtime-eu-provider");
            assert.equal(providerOf("platform-entry-workload-deployment"), "platform-runtime-eu-provider");
            assert.deepEqual(reveal(byName(r, "platform-runtime-us-provider").inputs.context), "prod-us");
        });
    });

    describe("NocoBase environment variables", () => {
        it("dev: the single shared-memory instance gets the core variables and the open-source multi-app plugin", () => {
            const r = stacks.dev;
            const entry = byName(r, "platform-entry-workload-container");
            assert.ok(
                entry.inputs.envs instanceof SecretValue,
                "the env list carries secrets, so it is secret as a whole",
            );
            const env = envMap(entry.inputs.envs);
            assert.deepEqual(Object.keys(env).sort(), [...CORE_VARS].sort());
            assert.equal(env.DB_HOST, "nocobase-dev-postgres");
            assert.equal(env.DB_DATABASE, "nocobase_main");
            assert.equal(env.DB_USER, "nocobase_main");
            assert.equal(env.APPEND_PRESET_BUILT_IN_PLUGINS, "@nocobase/plugin-multi-app-manager");
            assert.equal(env.APP_ENV, "production");
            assert.deepEqual(
                (reveal(entry.inputs.ports) as any[]).map((p) => [p.internal, p.external]),
                [[80, 13000]],
            );
            assert.equal(ofType(r, T.container).length, 2, "PostgreSQL and the one NocoBase container");
        });

        it("dev and staging: PostgreSQL and Redis containers run the official images unless the stack names others", async () => {
            const images = (r: Rendered) =>
                ofType(r, "docker:index/remoteImage:RemoteImage")
                    .map((i) => [i.name, String(i.inputs.name)])
                    .sort();
            assert.deepEqual(images(stacks.dev), [
                ["platform-entry-workload-image", "nocobase/nocobase:2.2.15"],
                ["platform-postgres-image", "postgres:16.10"],
            ]);
            assert.deepEqual(
                images(stacks.staging).find(([name]) => name === "platform-redis-image"),
                ["platform-redis-image", "redis:7.4.6"],
            );
            const local = await renderStack("staging", (c) => {
                c.platform.image = "registry.example.com/nocobase";
                c.redis.image = "registry.example.com/redis:7.0.15";
            });
            assert.deepEqual(
                images(local).filter(([name]) => /entry|redis/.test(name)),
                [
                    ["platform-entry-workload-image", "registry.example.com/nocobase:2.2.15"],
                    ["platform-redis-image", "registry.example.com/redis:7.0.15"],
                ],
            );
            const dev = await renderStack("dev", (c) => (c.postgres.image = "nocobase-platform-local/postgres:15"));
            assert.deepEqual(images(dev)[1], ["platform-postgres-image", "nocobase-platform-local/postgres:15"]);
        });

        it("docker: healthcheck durations are in the form Docker reads them back in, so a refresh finds no change", () => {
            // Go's time.Duration text: the largest units first, seconds always present (2m0s, 1h0m0s).
            const goDuration = (text: string) => {
                const seconds = [...text.matchAll(/(\d+)([hms])/g)].reduce(
                    (n, [, v, u]) => n + Number(v) * { h: 3600, m: 60, s: 1 }[u as "h" | "m" | "s"],
                    0,
                );
                const [h, m, s] = [Math.floor(seconds / 3600), Math.floor((seconds % 3600) / 60), seconds % 60];
                return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
            };
            const checks = ["dev", "staging"].flatMap((stack) =>
                ofType(stacks[stack], T.container).map((c) => reveal(c.inputs.healthcheck) as Record<string, unknown>),
            );
            assert.ok(checks.length >= 4);
            for (const check of checks) {
                for (const key of ["interval", "timeout", "startPeriod"]) {
                    const value = check[key];
                    if (value !== undefined) assert.equal(value, goDuration(String(value)), key);
                }
            }
        });

        it("staging: the supervisor and each worker get exactly the variables of their role", () => {
            const r = stacks.staging;
            const supervisor = envMap(byName(r, "platform-entry-workload-container").inputs.envs);
            assert.deepEqual(
                Object.keys(supervisor)
                    .filter((k) => MULTI_APP_VARS.test(k))
                    .sort(),
                SUPERVISOR_VARS,
            );
            assert.equal(supervisor.APP_MODE, "supervisor");
            assert.equal(supervisor.APP_PROCESS_ADAPTER, "remote");
            assert.equal(supervisor.APPEND_PRESET_BUILT_IN_PLUGINS, "@nocobase/plugin-app-supervisor");
            assert.equal(supervisor.APP_SUPERVISOR_REDIS_URL, "redis://nocobase-staging-redis:6379");
            for (const [env, host] of [
                ["env_a", "nocobase-staging-env-env-a"],
                ["env_b", "nocobase-staging-env-env-b"],
            ]) {
                const worker = envMap(byName(r, `platform-env-${env}-workload-container`).inputs.envs);
                assert.deepEqual(
                    Object.keys(worker)
                        .filter((k) => MULTI_APP_VARS.test(k))
                        .sort(),
                    WORKER_VARS,
                );
                assert.equal(worker.APP_MODE, "worker");
                assert.equal(worker.APP_PROCESS_ADAPTER, "local");
                assert.equal(worker.ENVIRONMENT_NAME, env);
                assert.equal(worker.ENVIRONMENT_URL, `http://${host}`);
                assert.equal(worker.ENVIRONMENT_PROXY_URL, `http://${host}`);
                assert.equal(worker.DB_DATABASE, `nocobase_env_${env}`);
                assert.equal(
                    worker.APP_SUPERVISOR_AES_SECRET_KEY,
                    supervisor.APP_SUPERVISOR_AES_SECRET_KEY,
                    "one AES key across nodes",
                );
                assert.equal(worker.APP_KEY, supervisor.APP_KEY);
            }
        });

        it("staging: a worker with a public URL on the entry's runtime is still proxied to at its internal address", async () => {
            const r = await renderStack("staging", (c) => {
                c.environments[1].url = "https://b.env.example.com";
            });
            const worker = envMap(byName(r, "platform-env-env_b-workload-container").inputs.envs);
            assert.equal(worker.ENVIRONMENT_URL, "https://b.env.example.com");
            assert.equal(worker.ENVIRONMENT_PROXY_URL, "http://nocobase-staging-env-env-b");
        });

        it("every NocoBase workload starts only once its database is there (dev's containers, prod's Deployments)", () => {
            for (const [stack, type, role] of [
                ["dev", T.container, "container"],
                ["prod", T.deployment, "deployment"],
            ]) {
                const r = stacks[stack];
                const workload = byName(r, `platform-entry-workload-${role}`);
                assert.equal(workload.type, type);
                const database = byName(r, "platform-entry-db-database");
                assert.ok(
                    workload.dependencies.includes(database.urn),
                    `${stack}: ${workload.name} waits for ${database.name}`,
                );
            }
        });

        it("prod: requests cover the resident memory measured of one NocoBase process (560-610 MB), under its limits", () => {
            const bytes = (q: string) => {
                const m = /^(\d+)(Mi|Gi)$/.exec(q);
                assert.ok(m, `memory quantity ${q}`);
                return Number(m[1]) * 2 ** (m[2] === "Gi" ? 30 : 20);
            };
            const cores = (q: string) => (q.endsWith("m") ? Number(q.slice(0, -1)) / 1000 : Number(q));
            for (const deployment of nonEmpty(ofType(stacks.prod, T.deployment), "Deployments")) {
                const { requests, limits } = (reveal(deployment.inputs.spec) as any).template.spec.containers[0]
                    .resources;
                assert.ok(bytes(requests.memory) >= 610 * 10 ** 6, `${deployment.name}: requests ${requests.memory}`);
                assert.ok(bytes(limits.memory) > bytes(requests.memory), `${deployment.name}: limit above the request`);
                assert.ok(cores(requests.cpu) > 0 && cores(limits.cpu) >= cores(requests.cpu), deployment.name);
            }
        });

        it("prod: a one-replica workload's claim is named after it alone (ReadWriteOnce)", () => {
            const claims = ofType(stacks.prod, "kubernetes:core/v1:PersistentVolumeClaim");
            const single = nonEmpty(
                claims.filter((c) => (c.inputs.spec as any).accessModes[0] === "ReadWriteOnce"),
                "one-replica claims",
            );
            for (const claim of single) {
                const deployment = byName(stacks.prod, claim.name.replace(/-storage$/, "-deployment"));
                assert.equal(
                    (claim.inputs.metadata as any).name,
                    `${(deployment.inputs.metadata as any).name}-storage`,
                );
            }
        });

        it("each runtime's provider belongs to that runtime", () => {
            for (const stack of ["dev", "prod"]) {
                const providers = nonEmpty(
                    stacks[stack].registrations.filter((x) => /^platform-runtime-[a-z0-9-]+-provider$/.test(x.name)),
                    "runtime providers",
                );
                for (const provider of providers)
                    assert.equal(parentName(stacks[stack], provider), provider.name.replace(/-provider$/, ""));
            }
        });

        it("prod: every Deployment stops the old pods before it starts new ones (two versions never migrate one database)", () => {
            const deployments = ofType(stacks.prod, T.deployment);
            assert.ok(deployments.length > 0, "prod has Deployments");
            for (const d of deployments)
                assert.deepEqual((reveal(d.inputs.spec) as any).strategy, { type: "Recreate" }, d.name);
        });

        it("prod: Deployments hold plain variables only; secret ones come from a Kubernetes Secret", () => {
            const r = stacks.prod;
            for (const deployment of nonEmpty(ofType(r, T.deployment), "Deployments")) {
                const container = (reveal(deployment.inputs.spec) as any).template.spec.containers[0];
                const plain = envMap(container.env);
                for (const key of SECRET_VARS)
                    assert.ok(!(key in plain), `${deployment.name}: ${key} is not a plain variable`);
                const secret = byName(r, deployment.name.replace(/-deployment$/, "-env"));
                assert.ok(secret.inputs.stringData instanceof SecretValue, `${secret.name}.stringData is secret`);
                assert.deepEqual(container.envFrom, [{ secretRef: { name: (secret.inputs.metadata as any).name } }]);
                assert.equal(container.readinessProbe.httpGet.path, "/api/__health_check");
                assert.ok(container.resources.requests.memory && container.resources.limits.memory);
            }
            const worker = (name: string) =>
                envMap(
                    (reveal(byName(r, `platform-env-${name}-workload-deployment`).inputs.spec) as any).template.spec
                        .containers[0].env,
                );
            assert.equal(worker("us_1").ENVIRONMENT_URL, "https://us-1.env.example.com");
            assert.equal(
                worker("us_1").ENVIRONMENT_PROXY_URL,
                "https://us-1.env.example.com",
                "across clusters the supervisor proxies to the public URL",
            );
            assert.equal(
                worker("eu_1").ENVIRONMENT_PROXY_URL,
                "http://nocobase-prod-env-eu-1.nocobase.svc.cluster.local",
            );
            assert.equal(worker("eu_1").DB_DIALECT_OPTIONS_SSL_MODE, "verify-full");
        });

        it("prod: the entry Ingress serves the entry domain and every app domain with cert-manager TLS", () => {
            const r = stacks.prod;
            const ingresses = ofType(r, T.ingress);
            assert.deepEqual(
                ingresses.map((i) => i.name),
                ["platform-entry-workload-ingress"],
            );
            const ingress = reveal(ingresses[0].inputs) as any;
            const domains = [
                "apps.example.com",
                ...r.config.apps.filter((a: any) => a.domain).map((a: any) => a.domain),
            ];
            assert.deepEqual(ingress.spec.tls[0].hosts, domains);
            assert.deepEqual(
                ingress.spec.rules.map((x: any) => x.host),
                domains,
            );
            assert.equal(ingress.metadata.annotations["cert-manager.io/cluster-issuer"], "letsencrypt-prod");
        });
    });

    describe("databases", () => {
        for (const stack of ["dev", "staging", "prod"]) {
            it(`${stack}: each app's role owns its database or schema; nothing else does`, () => {
                const r = stacks[stack];
                for (const app of r.config.apps) {
                    const mode = app.database.mode;
                    const prefix = `platform-app-${app.id}-db`;
                    if (mode === "connection") {
                        assert.ok(
                            !r.registrations.some((x) => x.name.startsWith(prefix)),
                            `${app.id}: nothing is created for an external connection`,
                        );
                        continue;
                    }
                    const role = reveal(byName(r, `${prefix}-role`).inputs) as any;
                    assert.equal(role.name, app.id);
                    assert.equal(role.login, true);
                    for (const flag of ["superuser", "createDatabase", "createRole"])
                        assert.equal(role[flag], false, `${app.id}: ${flag}`);
                    assert.ok(byName(r, `${prefix}-role`).inputs.password instanceof SecretValue);
                    if (mode === "database") {
                        const db = reveal(byName(r, `${prefix}-database`).inputs) as any;
                        assert.deepEqual([db.name, db.owner], [app.id, app.id]);
                        const grant = reveal(byName(r, `${prefix}-connect`).inputs) as any;
                        assert.deepEqual(
                            [grant.database, grant.role, grant.objectType, grant.privileges],
                            [app.id, "public", "database", []],
                        );
                        assert.deepEqual(role.roles, []);
                    } else {
                        const schema = reveal(byName(r, `${prefix}-schema`).inputs) as any;
                        assert.deepEqual(
                            [schema.name, schema.owner, schema.database],
                            [app.id, app.id, "nocobase_tenants"],
                        );
                        assert.deepEqual(role.roles, ["nocobase_tenants_members"]);
                    }
                }
            });

            it(`${stack}: tenant storage is protected and retained on delete`, () => {
                const r = stacks[stack];
                const storage = r.registrations.filter((x) => [T.database, T.schema, T.role].includes(x.type));
                assert.ok(storage.length > 0);
                for (const reg of storage) {
                    assert.equal(reg.protect, true, `${reg.name} is protected`);
                    assert.equal(reg.retainOnDelete, true, `${reg.name} is retained`);
                }
            });
        }

        it("the databases output gives each environment with a process of its own its database and login", () => {
            const environments = (r: Rendered) => (reveal(r.outputs.databases.value) as DatabaseAccess).environments;
            assert.deepEqual(environments(stacks.dev), {}, "dev's one environment is the entry app's process");
            assert.deepEqual(environments(stacks.staging), {
                env_a: { database: "nocobase_env_env_a", user: "nocobase_env_env_a" },
                env_b: { database: "nocobase_env_env_b", user: "nocobase_env_env_b" },
            });
        });

        it("the shared tenants database is made only once an app keeps its data in a schema", async () => {
            const tenants = (r: Rendered) => r.registrations.filter((x) => x.name.startsWith("platform-tenants"));
            assert.ok(tenants(stacks.dev).length > 0, "dev's helpdesk and sandbox use schemas");
            const none = await renderStack("dev", (c) =>
                c.apps.forEach((a: EditableConfig) => (a.database = { mode: "database" })),
            );
            assert.deepEqual(tenants(none), []);
        });

        it("the entry app and each environment get their own database", () => {
            const names = (r: Rendered) =>
                ofType(r, T.database)
                    .map((d) => reveal(d.inputs.name))
                    .sort();
            assert.deepEqual(names(stacks.dev), ["crm", "nocobase_main", "nocobase_tenants"]);
            assert.deepEqual(names(stacks.staging), [
                "crm",
                "helpdesk",
                "nocobase_env_env_a",
                "nocobase_env_env_b",
                "nocobase_main",
                "nocobase_tenants",
            ]);
        });
    });

    describe("secrets", () => {
        for (const stack of ["dev", "staging", "prod"]) {
            it(`${stack}: no secret value reaches any resource input or the status output in plain text`, () => {
                const r = stacks[stack];
                const secrets = [...knownSecrets(r, r.config)];
                for (const reg of nonEmpty(r.registrations, "registrations")) {
                    for (const [at, text] of plainStrings(reg.inputs)) {
                        const leaked = secrets.find((s) => text.includes(s));
                        assert.equal(leaked, undefined, `${reg.name}.${at} holds a secret in plain text`);
                    }
                }
                assert.equal(r.outputs.status.secret, false);
                const status = JSON.stringify(r.outputs.status.value);
                for (const s of secrets) assert.ok(!status.includes(s), "status holds no secret");
                assert.equal(r.outputs.databases.secret, true, "the databases output is secret");
            });
        }

        it("prod: every app registration receives credentials, JWT secret and database as secrets", () => {
            for (const reg of nonEmpty(ofType(stacks.prod, T.registration), "registrations")) {
                for (const key of ["credentials", "database"])
                    assert.ok(reg.inputs[key] instanceof SecretValue, `${reg.name}.${key}`);
                const app = stacks.prod.config.apps.find((a: any) => reg.name === `platform-app-${a.id}-registration`);
                if ((app.jwtSecret ?? "independent") === "independent")
                    assert.ok(reg.inputs.jwtSecret instanceof SecretValue, `${reg.name}.jwtSecret`);
                else assert.equal(reg.inputs.jwtSecret, undefined, `${reg.name} shares the entry app's sessions`);
            }
        });

        it("apps get distinct JWT secrets and database passwords", () => {
            // Connection-mode passwords are stack-file placeholders here, all alike: leave them out.
            const values = ofType(stacks.prod, T.registration)
                .flatMap((reg) => [reveal(reg.inputs.jwtSecret), (reveal(reg.inputs.database) as any).password])
                .filter((v) => v && v !== "[secret]");
            assert.equal(new Set(values).size, values.length);
        });
    });

    describe("status output", () => {
        for (const stack of ["dev", "staging", "prod"]) {
            it(`${stack}: matches the stack file`, () => {
                const r = stacks[stack];
                const status = r.outputs.status.value as PlatformStatus;
                const apps = r.config.apps as any[];
                assert.deepEqual(Object.keys(status.apps).sort(), apps.map((a) => a.id).sort());
                const defaultEnv = r.config.environments?.[0]?.name ?? "local";
                for (const app of apps) {
                    const s = status.apps[app.id];
                    assert.equal(s.displayName, app.displayName);
                    assert.equal(s.environment, app.environment ?? defaultEnv);
                    assert.equal(s.url, `${status.entry.url}/apps/${app.id}/admin/`);
                    assert.equal(s.domain, app.domain ?? null);
                    assert.equal(s.database.mode, app.database.mode);
                    assert.equal(
                        s.database.name,
                        app.database.mode === "schema" ? "nocobase_tenants" : (app.database.database ?? app.id),
                    );
                    assert.deepEqual(s.desired, {
                        state: app.state ?? "running",
                        startMode: app.startMode ?? "first-visit",
                    });
                    assert.equal(s.observed, app.state ?? "running", "observed comes from the registration's output");
                }
                for (const [env, e] of Object.entries(status.environments)) {
                    const mine = apps.filter((a) => (a.environment ?? defaultEnv) === env);
                    assert.equal(e.apps, mine.length, `${env} app count`);
                    assert.equal(e.appsWantedRunning, mine.filter((a) => (a.state ?? "running") === "running").length);
                }
                assert.equal(status.totals.apps, apps.length);
                assert.equal(status.totals.wantedStopped, apps.filter((a) => a.state === "stopped").length);
                for (const mode of ["database", "schema", "connection"] as const) {
                    assert.equal(
                        status.totals.byDatabaseMode[mode],
                        apps.filter((a) => a.database.mode === mode).length,
                    );
                }
                assert.equal(status.totals.observed.running + status.totals.observed.stopped, apps.length);
            });
        }

        it("inSync and the observed totals follow what NocoBase reports, not what is wanted", async () => {
            // dev wants crm and helpdesk running and sandbox stopped; NocoBase says otherwise for two.
            const reported: Record<string, string> = { crm: "error", helpdesk: "running", sandbox: "commanding" };
            const r = await renderStack("dev", undefined, { observedStatus: (id) => reported[id] });
            const status = r.outputs.status.value as PlatformStatus;
            assert.deepEqual(
                Object.fromEntries(Object.entries(status.apps).map(([id, a]) => [id, [a.observed, a.inSync]])),
                { crm: ["error", false], helpdesk: ["running", true], sandbox: ["commanding", false] },
            );
            assert.deepEqual(status.totals.observed, {
                running: 1,
                stopped: 0,
                error: 1,
                transitioning: 1,
                unknown: 0,
            });
            assert.equal(status.environments.local.appsObservedRunning, 1);
        });

        it("prod: the entry URL is the public domain", () => {
            assert.equal(stacks.prod.outputs.entryUrl.value, "https://apps.example.com");
            assert.equal(
                (stacks.prod.outputs.status.value as PlatformStatus).apps.acme.url,
                "https://apps.example.com/apps/acme/admin/",
            );
        });
    });

    describe("stack edits", () => {
        it("adding an app only adds resources", async () => {
            const next = await renderStack("prod", (c) =>
                c.apps.push({ id: "newco", displayName: "NewCo", environment: "us_1", database: { mode: "database" } }),
            );
            const d = compare(stacks.prod, next);
            assert.deepEqual(d.removed, []);
            assert.deepEqual(d.changed, []);
            assert.ok(
                d.added.length > 0 && d.added.every((u) => /::platform-app-newco(-|$)/.test(u)),
                d.added.join("\n"),
            );
        });

        it("adding an app with a domain also routes the domain, and changes nothing else", async () => {
            const next = await renderStack("prod", (c) =>
                c.apps.push({
                    id: "newco",
                    displayName: "NewCo",
                    database: { mode: "schema" },
                    domain: "newco.example.com",
                }),
            );
            const d = compare(stacks.prod, next);
            assert.deepEqual(d.removed, []);
            assert.deepEqual(
                d.changed.map((u) => u.split("::").pop()),
                ["platform-entry-workload-ingress"],
            );
        });

        it("changing an app's display name, domain, state, start mode or environment only updates its registration", async () => {
            const next = await renderStack("prod", (c) => {
                const acme = c.apps.find((a: any) => a.id === "acme");
                Object.assign(acme, {
                    displayName: "ACME Corporation",
                    domain: "acme.example.org",
                    state: "stopped",
                    startMode: "with-main",
                    environment: "us_1",
                });
            });
            const d = compare(stacks.prod, next);
            assert.deepEqual(d.added, []);
            assert.deepEqual(d.removed, []);
            assert.deepEqual(d.changed.map((u) => u.split("::").pop()).sort(), [
                "platform-app-acme-registration",
                "platform-entry-workload-ingress",
            ]);
        });

        it("removing an app removes only its resources (and the engine refuses: they are protected)", async () => {
            const next = await renderStack(
                "prod",
                (c) => (c.apps = c.apps.filter((a: any) => a.id !== "hooli" && a.id !== "umbrella")),
            );
            const d = compare(stacks.prod, next);
            assert.deepEqual(d.added, []);
            assert.ok(d.removed.every((u) => /::platform-app-(hooli|umbrella)(-|$)/.test(u)));
            assert.deepEqual(
                d.changed.map((u) => u.split("::").pop()),
                ["platform-entry-workload-ingress"],
                "hooli's domain leaves the Ingress",
            );
            const protectedRemoved = stacks.prod.registrations
                .filter((x) => d.removed.includes(x.urn) && x.protect)
                .map((x) => x.type);
            assert.deepEqual(protectedRemoved.sort(), [T.database, T.role, T.role, T.schema].sort());
        });

        it("a configuration error fails the program with every key path and no stack trace", async () => {
            await assert.rejects(
                renderStack("dev", (c) => {
                    c.apps[0].database.mode = "db";
                    c.platform.nocobaseVersion = "latest";
                }),
                (e: Error) => {
                    assert.match(e.message, /^stack configuration has 2 problems:\n/);
                    assert.match(e.message, /platform\.nocobaseVersion: must be a pinned version/);
                    assert.match(
                        e.message,
                        /apps\[0\]\.database\.mode: expected one of database, schema, connection, got "db"/,
                    );
                    assert.doesNotMatch(e.message, /\s+at /, "no stack trace");
                    return true;
                },
            );
        });

        it("counts a single configuration problem in the singular", async () => {
            await assert.rejects(
                renderStack("dev", (c) => {
                    c.platform.nocobaseVersion = "latest";
                }),
                /^Error: stack configuration has 1 problem:\nplatform\.nocobaseVersion: must be a pinned version/,
            );
        });
    });
});
