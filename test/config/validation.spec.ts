import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { parse, stringify } from "yaml";
import { stackFileJsonSchema } from "../../components/config/stackSchema";
import { entryHostName, namePrefix, workerHostName } from "../../components/platform/naming";
import { Issue, formatIssues, stackConfigInput, validateStackConfig } from "../../components/config/validate";
import {
    StackFileError,
    decodeStackFile,
    parseStackFile,
    readStackFile,
    stackFileInput,
    stackFilePath,
} from "../../components/config/stackFile";
import { PROJECT } from "../../components/core/project";
import { imagePinProblem } from "../../policies/images";
import { cliConfigValues, editedStackText } from "../support/stacks";
import { PROJECT_ROOT } from "../../components/core/project";
import { DEFAULTS } from "../../components/core/defaults";

const STACKS = ["dev", "staging", "prod"];

/** A valid shared-memory config, as plain data, that each case below breaks in one place. */
function devConfig(): Record<string, any> {
    return {
        platform: { mode: "shared-memory", nocobaseVersion: "2.2.15" },
        runtimes: { local: { type: "docker" } },
        postgres: { runtime: "local" },
        entry: { runtime: "local" },
        apps: [
            { id: "crm", displayName: "CRM", database: { mode: "database" } },
            { id: "hr", displayName: "HR", database: { mode: "schema" } },
        ],
    };
}

function multiConfig(): Record<string, any> {
    return {
        ...devConfig(),
        platform: { mode: "multi-environment", nocobaseVersion: "2.2.15" },
        redis: { runtime: "local" },
        environments: [
            { name: "env_a", runtime: "local" },
            { name: "env_b", runtime: "local" },
        ],
        apps: [
            { id: "crm", displayName: "CRM", environment: "env_b", database: { mode: "database" } },
            { id: "hr", displayName: "HR", database: { mode: "schema" } },
        ],
    };
}

function validate(values: Record<string, unknown>, secretKeys: string[] = [], stack = "dev") {
    return validateStackConfig({ values, secretKeys: new Set(secretKeys), stack });
}

function issuesOf(values: Record<string, unknown>, secretKeys: string[] = [], stack?: string): Issue[] {
    const result = validate(values, secretKeys, stack);
    assert.equal(result.ok, false, "expected the config to be rejected");
    return (result as { issues: Issue[] }).issues;
}

describe("stack configuration validation", () => {
    for (const stack of STACKS) {
        it(`accepts the sample stack ${stack}`, () => {
            const file = readStackFile(stackFilePath(stack));
            const result = validateStackConfig(stackFileInput(file));
            assert.ok(result.ok, result.ok ? "" : formatIssues(result.issues));
        });
    }

    describe("apps[].restoreFrom", () => {
        const withRestore = (restoreFrom: unknown, app: Record<string, unknown> = {}) => {
            const c = devConfig();
            Object.assign(c.apps[0], { restoreFrom, ...app });
            return c;
        };
        it("takes an absolute path to a dump, for storage the stack creates", () => {
            const result = validate(withRestore("/var/backups/dev/crm-2026-01-01T00-00-00-000Z.dump"));
            assert.ok(result.ok, result.ok ? "" : formatIssues(result.issues));
            assert.equal(result.config.apps[0].restoreFrom, "/var/backups/dev/crm-2026-01-01T00-00-00-000Z.dump");
            assert.equal(result.config.apps[1].restoreFrom, undefined);
        });
        it("refuses a relative path, a connection's storage and a decommissioned app, at the key", () => {
            assert.deepEqual(issuesOf(withRestore("backups/crm.dump")), [
                {
                    path: "apps[0].restoreFrom",
                    message: 'must be an absolute path to a pg_dump -Fc file, got "backups/crm.dump"',
                },
            ]);
            const connection = { mode: "connection", host: "db.example.com", user: "crm", database: "crm" };
            assert.deepEqual(
                issuesOf(withRestore("/b/crm.dump", { database: { ...connection, password: "x" } }), ["apps"]).find(
                    (i) => i.path === "apps[0].restoreFrom",
                )?.message,
                "only for storage this stack creates (database or schema mode)",
            );
            const retired = withRestore("/b/crm.dump", { state: "decommissioned" });
            retired.backups = { location: "/b" };
            assert.deepEqual(issuesOf(retired), [
                { path: "apps[0].restoreFrom", message: "not with state decommissioned" },
            ]);
        });
    });

    describe("entry.external", () => {
        const KEY = "eyJhbGciOiJIUzI1NiJ9.key";
        const adopted = (entry: Record<string, unknown> = {}, edit: (c: Record<string, any>) => void = () => {}) => {
            const c = devConfig();
            c.entry = { external: { url: "https://nocobase.example.com/", apiKey: KEY }, ...entry };
            edit(c);
            return c;
        };
        const encrypted = new Set(["entry.external.apiKey"]);
        const check = (values: Record<string, unknown>, paths: ReadonlySet<string> = encrypted) =>
            validateStackConfig({ values, secretKeys: new Set(["entry"]), encryptedPaths: paths, stack: "dev" });

        it("adopts a NocoBase at its URL: the entry app's URLs are that one, it has no runtime, local runs there", () => {
            const result = check(adopted());
            assert.ok(result.ok, result.ok ? "" : formatIssues(result.issues));
            const { entry, environments } = result.config;
            assert.equal(entry.external?.url, "https://nocobase.example.com");
            assert.equal(entry.external?.apiKey.reveal(), KEY);
            assert.equal(entry.url, "https://nocobase.example.com");
            assert.equal(entry.apiUrl, "https://nocobase.example.com");
            assert.equal(entry.runtime, undefined);
            assert.deepEqual(
                environments.map((e) => [e.name, e.runtime]),
                [["local", undefined]],
            );
        });

        it("drops every slash the URL ends with", () => {
            const result = check(adopted({ external: { url: "https://nocobase.example.com//", apiKey: KEY } }));
            assert.ok(result.ok, result.ok ? "" : formatIssues(result.issues));
            assert.deepEqual(
                [result.config.entry.url, result.config.entry.external?.url],
                ["https://nocobase.example.com", "https://nocobase.example.com"],
            );
        });

        it("needs no runtime when nothing runs on one", () => {
            const result = check(
                adopted({}, (c) => {
                    c.runtimes = {};
                    c.postgres = { host: "db.example.com", adminUser: "admin", adminPassword: "s3cret" };
                }),
                new Set(["entry.external.apiKey", "postgres.adminPassword"]),
            );
            assert.ok(result.ok, result.ok ? "" : formatIssues(result.issues));
        });

        const cases: Array<[string, Record<string, any>, Array<[string, string | RegExp]>, ReadonlySet<string>?]> = [
            [
                "every key of a run entry app next to it, each at its own key path",
                adopted({ runtime: "local", domain: "apps.example.com", replicas: 2, port: 14000, apiUrl: "http://x" }),
                ["runtime", "domain", "replicas", "port", "apiUrl"].map((k) => [
                    `entry.${k}`,
                    "not with entry.external (the adopted NocoBase runs elsewhere, at external.url)",
                ]),
            ],
            [
                "neither runtime nor external",
                (() => {
                    const c = devConfig();
                    c.entry = { domain: "apps.example.com" };
                    return c;
                })(),
                [
                    [
                        "entry",
                        "expected either runtime (the stack runs the entry app) or external (an existing NocoBase it adopts)",
                    ],
                ],
            ],
            [
                "a URL with credentials in it",
                adopted({}, (c) => (c.entry.external.url = "https://root:pw@nocobase.example.com")),
                [["entry.external.url", /^must not carry credentials \(user:password@\)/]],
            ],
            [
                "a URL that is not http(s)",
                adopted({}, (c) => (c.entry.external.url = "ftp://nocobase.example.com")),
                [["entry.external.url", 'must be an http(s) URL, got "ftp://nocobase.example.com"']],
            ],
            [
                "an API key in plain text",
                adopted(),
                [["entry.external.apiKey", /^must be stored encrypted/]],
                new Set<string>(),
            ],
            ["no API key", adopted({}, (c) => delete c.entry.external.apiKey), [["entry.external.apiKey", "required"]]],
            [
                "a worker without its URL under an adopted supervisor",
                adopted({}, (c) => {
                    Object.assign(c, multiConfig(), { entry: c.entry });
                    c.environments[1].url = "http://env-b.example.com";
                }),
                [["environments[0].url", /^required: the entry app is adopted \(entry.external\)/]],
            ],
        ];
        for (const [title, values, expected, paths] of cases) {
            it(`refuses ${title}`, () => {
                const result = check(values, paths ?? encrypted);
                assert.equal(result.ok, false, "expected the config to be rejected");
                const issues = (result as { issues: Issue[] }).issues;
                assert.deepEqual(
                    issues.map((i) => i.path),
                    expected.map(([p]) => p),
                    formatIssues(issues),
                );
                expected.forEach(([, message], n) =>
                    typeof message === "string"
                        ? assert.equal(issues[n].message, message)
                        : assert.match(issues[n].message, message),
                );
            });
        }

        it("never shows the API key or the URL's password in a message", () => {
            const result = check(
                adopted({}, (c) => (c.entry.external.url = "https://root:hunter2@x.example.com")),
                new Set(),
            );
            const text = formatIssues((result as { issues: Issue[] }).issues);
            assert.doesNotMatch(text, /hunter2|eyJhbGciOiJIUzI1NiJ9/);
        });
    });

    it("applies the documented defaults", () => {
        const result = validate(multiConfig());
        assert.ok(result.ok);
        const { config } = result;
        assert.equal(config.supervisor, "app-supervisor");
        assert.equal(config.image, "nocobase/nocobase");
        const hr = config.apps[1];
        assert.equal(hr.environment, "env_a", "the first environment is the default");
        assert.equal(hr.startMode, "first-visit");
        assert.equal(hr.state, "running");
        assert.equal(hr.jwtSecret, "independent");
        assert.equal(hr.upgrade, true);
        assert.deepEqual(hr.database, { mode: "schema", database: "nocobase_tenants", schema: "hr", role: "hr" });
        assert.deepEqual(config.apps[0].database, { mode: "database", database: "crm", role: "crm" });
        assert.equal(config.entry.url, "http://localhost:13000");
    });

    it("gives a Kubernetes runtime the nginx ingress class unless it names one", () => {
        const c = multiConfig();
        c.runtimes.cluster = { type: "kubernetes", namespace: "tenants" };
        c.runtimes.edge = { type: "kubernetes", namespace: "tenants", ingressClass: "traefik" };
        const result = validate(c);
        assert.ok(result.ok, result.ok ? "" : formatIssues(result.issues));
        const classOf = (name: string) => {
            const runtime = result.config.runtimes[name];
            return runtime.type === "kubernetes" ? runtime.ingressClass : runtime.type;
        };
        assert.deepEqual([classOf("cluster"), classOf("edge")], ["nginx", "traefik"]);
    });

    it("reports an environments list that does not parse once, not again as no environment at all", () => {
        const c = multiConfig();
        c.environments = "env_a";
        assert.deepEqual(
            issuesOf(c).map((i) => `${i.path}: ${i.message}`),
            ['environments: expected a list, got "env_a"'],
        );
    });

    it("puts every app of a shared-memory stack in the local environment", () => {
        const result = validate(devConfig());
        assert.ok(result.ok);
        assert.deepEqual(
            result.config.environments.map((e) => [e.name, e.sharesEntryProcess]),
            [["local", true]],
        );
        assert.deepEqual(
            result.config.apps.map((a) => a.environment),
            ["local", "local"],
        );
        assert.equal(result.config.supervisor, "applications");
    });

    // Each case: what to break, and the exact issue(s) it must produce.
    const cases: Array<
        [string, (c: Record<string, any>) => void, Array<[string, RegExp]>, (() => Record<string, any>)?]
    > = [
        [
            "unknown database mode",
            (c) => (c.apps[1].database.mode = "db"),
            [["apps[1].database.mode", /^expected one of database, schema, connection, got "db"$/]],
        ],
        [
            "floating version latest",
            (c) => (c.platform.nocobaseVersion = "latest"),
            [["platform.nocobaseVersion", /pinned version.*got "latest"/]],
        ],
        [
            "floating version beta",
            (c) => (c.platform.nocobaseVersion = "beta"),
            [["platform.nocobaseVersion", /pinned version/]],
        ],
        [
            "floating minor tag",
            (c) => (c.platform.nocobaseVersion = "2.2"),
            [["platform.nocobaseVersion", /pinned version.*got "2.2"/]],
        ],
        [
            "version as a number",
            (c) => (c.platform.nocobaseVersion = 2.2),
            [["platform.nocobaseVersion", /expected a string, got 2.2/]],
        ],
        [
            "unknown mode",
            (c) => (c.platform.mode = "cluster"),
            [["platform.mode", /expected one of shared-memory, multi-environment/]],
        ],
        [
            "image with a tag",
            (c) => (c.platform.image = "nocobase/nocobase:latest"),
            [["platform.image", /without a tag/]],
        ],
        ["missing platform", (c) => delete c.platform, [["platform", /^required$/]]],
        ["missing apps", (c) => delete c.apps, [["apps", /^required$/]]],
        ["apps not a list", (c) => (c.apps = { crm: {} }), [["apps", /expected a list, got an object/]]],
        [
            "unknown top-level key",
            (c) => (c.tenants = []),
            [["tenants", /unknown key \(expected one of platform, runtimes/]],
        ],
        [
            "typo in an app key",
            (c) => ((c.apps[0].dispayName = c.apps[0].displayName), delete c.apps[0].displayName),
            [
                ["apps[0].dispayName", /unknown key/],
                ["apps[0].displayName", /^required$/],
            ],
        ],
        ["app id with upper case", (c) => (c.apps[0].id = "CRM"), [["apps[0].id", /must match \^\[a-z\]/]]],
        ["app id main", (c) => (c.apps[0].id = "main"), [["apps[0].id", /reserved for the entry app/]]],
        ["app id too long", (c) => (c.apps[0].id = "a" + "b".repeat(63)), [["apps[0].id", /must match/]]],
        ["app id with a dash", (c) => (c.apps[0].id = "t-1"), [["apps[0].id", /must match/]]],
        ["duplicate app id", (c) => (c.apps[1].id = "crm"), [["apps[1].id", /duplicate of apps\[0\]\.id "crm"/]]],
        ["empty display name", (c) => (c.apps[0].displayName = "  "), [["apps[0].displayName", /must not be empty/]]],
        [
            "bad start mode",
            (c) => (c.apps[0].startMode = "eager"),
            [["apps[0].startMode", /expected one of first-visit, with-main/]],
        ],
        ["bad state", (c) => (c.apps[0].state = "paused"), [["apps[0].state", /expected one of running, stopped/]]],
        [
            "bad jwtSecret",
            (c) => (c.apps[0].jwtSecret = "none"),
            [["apps[0].jwtSecret", /expected one of independent, shared/]],
        ],
        ["upgrade as a string", (c) => (c.apps[0].upgrade = "yes"), [["apps[0].upgrade", /expected true or false/]]],
        [
            "domain with upper case",
            (c) => (c.apps[0].domain = "CRM.example.com"),
            [["apps[0].domain", /lower-case host name/]],
        ],
        [
            "duplicate domains",
            (c) => ((c.apps[0].domain = "a.example.com"), (c.apps[1].domain = "a.example.com")),
            [["apps[1].domain", /domain "a.example.com" is already used by apps\[0\]\.domain/]],
        ],
        [
            "app domain equal to the entry domain",
            (c) => ((c.entry.domain = "a.example.com"), (c.apps[1].domain = "a.example.com")),
            [["apps[1].domain", /already used by entry.domain/]],
        ],
        [
            "environment outside shared-memory",
            (c) => (c.apps[0].environment = "eu"),
            [["apps[0].environment", /only the local environment, got "eu"/]],
        ],
        [
            "environments in shared-memory mode",
            (c) => (c.environments = [{ name: "a", runtime: "local" }]),
            [["environments", /must be absent in shared-memory mode/]],
        ],
        [
            "redis in shared-memory mode",
            (c) => (c.redis = { runtime: "local" }),
            [["redis", /only used in multi-environment mode/]],
        ],
        [
            "unknown runtime",
            (c) => (c.entry.runtime = "remote"),
            [["entry.runtime", /no runtime named "remote" \(expected one of local\)/]],
        ],
        [
            "unknown runtime type",
            (c) => (c.runtimes.local = { type: "nomad" }),
            [["runtimes.local.type", /^expected one of docker, kubernetes, got "nomad"$/]],
        ],
        [
            "kubernetes runtime without namespace",
            (c) => (c.runtimes.k = { type: "kubernetes" }),
            [["runtimes.k.namespace", /^required$/]],
        ],
        [
            "postgres container on kubernetes",
            (c) => ((c.runtimes.k = { type: "kubernetes", namespace: "nb" }), (c.postgres.runtime = "k")),
            [["postgres.runtime", /must name a docker runtime/]],
        ],
        [
            "postgres image with a floating tag",
            (c) => (c.postgres.image = "postgres:latest"),
            [["postgres.image", /must be an image with a pinned tag/]],
        ],
        [
            "postgres image without a tag",
            (c) => (c.postgres.image = "registry.example.com/postgres"),
            [["postgres.image", /must be an image with a pinned tag/]],
        ],
        [
            "postgres neither container nor server",
            (c) => (c.postgres = { port: 5432 }),
            [["postgres", /expected either runtime \(a container\) or host/]],
        ],
        [
            "external postgres password in plain text",
            (c) => (c.postgres = { host: "db.example.com", adminUser: "admin", adminPassword: "hunter2" }),
            [
                [
                    "postgres.adminPassword",
                    /must be stored encrypted: pulumi config set --secret --path 'postgres.adminPassword'/,
                ],
            ],
        ],
        [
            "connection mode without its keys",
            (c) => (c.apps[0].database = { mode: "connection" }),
            [
                ["apps[0].database.host", /required for mode connection/],
                ["apps[0].database.user", /required/],
                ["apps[0].database.password", /required/],
                ["apps[0].database.database", /required/],
            ],
        ],
        [
            "connection password in plain text",
            (c) => (c.apps[0].database = { mode: "connection", host: "db", user: "u", password: "p", database: "d" }),
            [["apps[0].database.password", /must be stored encrypted/]],
        ],
        [
            "host in database mode",
            (c) => (c.apps[0].database.host = "db.example.com"),
            [["apps[0].database.host", /only for mode connection/]],
        ],
        [
            "database name in schema mode",
            (c) => (c.apps[1].database.database = "other"),
            [["apps[1].database.database", /schema mode puts every schema in postgres.tenantsDatabase/]],
        ],
        [
            "database name clashing with another app",
            (c) => (c.apps[1] = { id: "hr", displayName: "HR", database: { mode: "database", database: "crm" } }),
            [["apps[1].database.database", /database "crm" is already used by apps\[0\]\.id/]],
        ],
        [
            "database named like the entry database",
            (c) => (c.apps[0].id = "nocobase_main"),
            [["apps[0].id", /database "nocobase_main" is already used by the entry app's database/]],
        ],
        [
            "identifier needing quotes",
            (c) => (c.apps[0].database.user = "Crm-Owner"),
            [["apps[0].database.user", /PostgreSQL identifier/]],
        ],
        ["port out of range", (c) => (c.postgres.port = 70000), [["postgres.port", /between 1 and 65535, got 70000/]]],
        [
            "replicas on docker",
            (c) => (c.entry.replicas = 2),
            [["entry.replicas", /a docker runtime runs one container, got 2/]],
        ],
        [
            "entry on kubernetes without a domain",
            (c) => ((c.runtimes.k = { type: "kubernetes", namespace: "nb" }), (c.entry.runtime = "k")),
            [["entry.domain", /required when the entry app runs on kubernetes/]],
        ],
        [
            "multi-environment without redis",
            (c) => delete c.redis,
            [["redis", /required in multi-environment mode/]],
            multiConfig,
        ],
        [
            "multi-environment without environments",
            (c) => (c.environments = []),
            [["environments", /at least one environment/]],
            multiConfig,
        ],
        [
            "duplicate environment",
            (c) => (c.environments[1].name = "env_a"),
            [
                ["environments[1].name", /duplicate of environments\[0\]\.name "env_a"/],
                ["apps[0].environment", /no environment named "env_b" \(expected one of env_a\)$/],
            ],
            multiConfig,
        ],
        [
            "environment name with a dash",
            (c) => (c.environments[0].name = "env-a"),
            [["environments[0].name", /must match/]],
            multiConfig,
        ],
        [
            "app in an unknown environment",
            (c) => (c.apps[0].environment = "env_c"),
            [["apps[0].environment", /no environment named "env_c" \(expected one of env_a, env_b\)/]],
            multiConfig,
        ],
        [
            "open-source supervisor in multi-environment mode",
            (c) => (c.platform.supervisor = "applications"),
            [["platform.supervisor", /needs app-supervisor/]],
            multiConfig,
        ],
        [
            "worker on another runtime without url",
            (c) => ((c.runtimes.far = { type: "docker", host: "ssh://ops@far" }), (c.environments[1].runtime = "far")),
            [["environments[1].url", /required: the worker runs on runtime "far"/]],
            multiConfig,
        ],
        [
            "numeric entry domain",
            (c) => (c.entry.domain = "999.999.999.999"),
            [["entry.domain", /must be a DNS name, not a number/]],
        ],
        [
            "domain ending in a number",
            (c) => (c.apps[0].domain = "crm.example.10"),
            [["apps[0].domain", /must end in a name, not a number/]],
        ],
        [
            "postgres host that is no IPv4 address",
            (c) => (c.postgres = { host: "300.1.1.1", adminUser: "admin", adminPassword: "p" }),
            [
                ["postgres.host", /is not a valid IPv4 address/],
                ["postgres.adminPassword", /must be stored encrypted/],
            ],
        ],
        [
            // 255 is an octet still: the only problem left is the password's storage.
            "postgres host 255.255.255.255 only for its password in plain text",
            (c) => (c.postgres = { host: "255.255.255.255", adminUser: "admin", adminPassword: "p" }),
            [["postgres.adminPassword", /must be stored encrypted/]],
        ],
        [
            // A last label that merely starts with digits is a name: only the redis url is wrong here.
            "a redis url of another scheme that ends in redis://, next to a domain whose last label starts with digits",
            (c) => ((c.redis = { url: "xredis://cache:6379" }), (c.apps[0].domain = "crm.example.10x")),
            [["redis.url", /^must be a redis:\/\/ or rediss:\/\/ URL$/]],
            multiConfig,
        ],
        [
            "a Docker host with a password",
            (c) => (c.runtimes.far = { type: "docker", host: "ssh://ops:pw@far" }),
            [
                [
                    "runtimes.far.host",
                    /^must not carry a password \(ssh:\/\/ authenticates with keys\), got "ssh:\/\/\*\*\*@far"$/,
                ],
            ],
        ],
        [
            "a Docker host of the right scheme that no URL parser reads",
            (c) => (c.runtimes.far = { type: "docker", host: "tcp://[bad" }),
            [["runtimes.far.host", /^is not a valid URL, got "tcp:\/\/\[bad"$/]],
        ],
        [
            "environment url without a proper host",
            (c) => (c.environments[0].url = "https://us../-1.env.example.com"),
            [["environments[0].url", /must name a host \(a DNS name or IPv4 address\), not "us\.\."/]],
            multiConfig,
        ],
        [
            // Found by the fuzz suite (seed 851351912): the whole host was quoted back.
            "environment url whose bad host is 100 000 characters long, quoted cut",
            (c) => (c.environments[0].url = `https://us-1${"x".repeat(100_000)}../`),
            [
                [
                    "environments[0].url",
                    /^must name a host \(a DNS name or IPv4 address\), not "us-1x{52}\.\.\., got "https:\/\/us-1x{44}\.\.\.$/,
                ],
            ],
            multiConfig,
        ],
        [
            "environment url with credentials",
            (c) => (c.environments[0].url = "https://us-1.env.example.coma@b"),
            [["environments[0].url", /must not carry credentials/]],
            multiConfig,
        ],
        // Every problem in one go: a shape error hides no rule that spans fields.
        [
            "a shape error next to problems that span fields",
            (c) => {
                c.apps[0].startMode = "eager";
                c.apps[0].domain = "a.example.com";
                c.apps[1].domain = "a.example.com";
                c.entry.runtime = "remote";
                delete c.redis;
            },
            [
                ["apps[0].startMode", /^expected one of first-visit, with-main, got "eager"$/],
                ["apps[1].domain", /^domain "a.example.com" is already used by apps\[0\]\.domain$/],
                ["entry.runtime", /^no runtime named "remote" \(expected one of local\)$/],
                ["redis", /^required in multi-environment mode/],
            ],
            multiConfig,
        ],
        [
            "an app that does not parse, whose id is still claimed",
            (c) => ((c.apps[0].database.mode = "db"), (c.apps[1].id = "crm")),
            [
                ["apps[0].database.mode", /^expected one of database, schema, connection/],
                ["apps[1].id", /^duplicate of apps\[0\]\.id "crm"$/],
            ],
        ],
        [
            "an environment that does not parse, which apps may still name",
            (c) => (c.environments[1].replicas = "two"),
            [["environments[1].replicas", /^expected an integer, got "two"$/]],
            multiConfig,
        ],
        // Names PostgreSQL reserves or every server has.
        [
            "app id postgres",
            (c) => (c.apps[0].id = "postgres"),
            [["apps[0].id", /^is reserved by PostgreSQL or exists on every server \(pg_\*, public/]],
        ],
        ["app id pg_*", (c) => (c.apps[0].id = "pg_crm"), [["apps[0].id", /^is reserved by PostgreSQL/]]],
        [
            "schema named public",
            (c) => (c.apps[1].database.schema = "public"),
            [["apps[1].database.schema", /^is reserved by PostgreSQL.*, got "public"$/]],
        ],
        [
            "role named none",
            (c) => (c.apps[0].database.user = "none"),
            [["apps[0].database.user", /^is reserved by PostgreSQL/]],
        ],
        [
            "database named template1",
            (c) => (c.apps[0].database.database = "template1"),
            [["apps[0].database.database", /^is reserved by PostgreSQL/]],
        ],
        [
            "tenants database information_schema",
            (c) => (c.postgres.tenantsDatabase = "information_schema"),
            [["postgres.tenantsDatabase", /^is reserved/]],
        ],
        // Uniqueness of what the platform itself names.
        [
            "admin user named like the entry app's role",
            (c) => (c.postgres = { host: "db.example.com", adminUser: "nocobase_main", adminPassword: "p" }),
            [
                ["postgres.adminUser", /^role "nocobase_main" is already used by the entry app's role$/],
                ["postgres.adminPassword", /must be stored encrypted/],
            ],
        ],
        [
            "tenants database named like an environment's database",
            (c) => (c.postgres.tenantsDatabase = "nocobase_env_env_a"),
            [
                [
                    "postgres.tenantsDatabase",
                    /^database "nocobase_env_env_a" is already used by the database of environment env_a$/,
                ],
            ],
            multiConfig,
        ],
        [
            "a connection to another tenant's database on the platform's own server",
            (c) =>
                c.apps.push({
                    id: "bi",
                    displayName: "BI",
                    database: {
                        mode: "connection",
                        host: "localhost",
                        port: 5432,
                        user: "bi",
                        password: "p",
                        database: "crm",
                    },
                }),
            [
                [
                    "apps[2].database.database",
                    /^database "crm" on the platform's own server is already used by apps\[0\]\.id$/,
                ],
                ["apps[2].database.password", /must be stored encrypted/],
            ],
        ],
        // Kubernetes object names (stack dev).
        [
            "an environment name ending in _ on kubernetes",
            (c) => {
                c.runtimes.k = { type: "kubernetes", namespace: "nb" };
                c.environments[0] = { name: "env_", runtime: "k", url: "https://env.example.com" };
                c.apps[1].environment = "env_b";
            },
            [
                [
                    "environments[0].name",
                    /^this environment names Kubernetes objects "nocobase-dev-env-env-", which must end in a letter or digit$/,
                ],
            ],
            multiConfig,
        ],
        [
            "an environment name too long for kubernetes",
            (c) => {
                c.runtimes.k = { type: "kubernetes", namespace: "nb" };
                c.environments[0] = { name: `e${"x".repeat(47)}`, runtime: "k", url: "https://env.example.com" };
                c.apps[1].environment = "env_b";
            },
            [
                [
                    "environments[0].name",
                    /^this environment names Kubernetes objects "nocobase-dev-env-exx.*", 65 characters; Kubernetes allows at most 63$/,
                ],
            ],
            multiConfig,
        ],
        // Ports published on one Docker host.
        [
            "entry app and PostgreSQL publishing one port",
            (c) => ((c.entry.port = 15432), (c.postgres.port = 15432)),
            [["postgres.port", /^port 15432 is published on the same Docker host by entry.port too$/]],
        ],
        [
            "the entry app on PostgreSQL's default port",
            (c) => (c.entry.port = 5432),
            [["entry.port", /^port 5432 is published on the same Docker host by postgres.port too$/]],
        ],
        [
            "two runtimes of one Docker engine publishing one port",
            (c) => ((c.runtimes.db = { type: "docker" }), (c.postgres.runtime = "db"), (c.postgres.port = 13000)),
            [["postgres.port", /^port 13000 is published on the same Docker host by entry.port too$/]],
        ],
        // Display names and domains.
        [
            "display name with a bell",
            (c) => (c.apps[0].displayName = "CRM\u0007"),
            [["apps[0].displayName", /^must not hold control characters \(U\+0007 at position 3\)/]],
        ],
        [
            "display name with a NUL byte",
            (c) => (c.apps[0].displayName = "\u0000CRM"),
            [["apps[0].displayName", /control characters \(U\+0000 at position 0\)/]],
        ],
        [
            "display name with a right-to-left override",
            (c) => (c.apps[0].displayName = "CRM\u202eMRC"),
            [["apps[0].displayName", /control characters \(U\+202E/]],
        ],
        [
            "domain label longer than 63 characters",
            (c) => (c.apps[0].domain = `${"a".repeat(64)}.example.com`),
            [["apps[0].domain", /^labels \(the parts between dots\) are at most 63 characters, one has 64/]],
        ],
        // One rule for the version: the policy pack's.
        [
            "pre-release version",
            (c) => (c.platform.nocobaseVersion = "2.3.0-beta.2"),
            [["platform.nocobaseVersion", /pinned version.*pre-release.*got "2.3.0-beta.2"$/]],
        ],
        // Secrets whose value is wrong, and values that are secrets only with a password in them.
        [
            "a connection password of the wrong type, not echoed",
            (c) =>
                (c.apps[0].database = { mode: "connection", host: "db", user: "u", password: 31415926, database: "d" }),
            [["apps[0].database.password", /^expected a secret string, got a number$/]],
        ],
        [
            "a redis url with a password in plain text",
            (c) => (c.redis = { url: "redis://:hunter2@redis.example.com:6379" }),
            [
                [
                    "redis.url",
                    /^must be stored encrypted \(it carries credentials\): pulumi config set --secret --path 'redis.url' <value>$/,
                ],
            ],
            multiConfig,
        ],
        [
            "a redis url of another scheme",
            (c) => (c.redis = { url: "http://redis.example.com" }),
            [["redis.url", /^must be a redis:\/\/ or rediss:\/\/ URL$/]],
            multiConfig,
        ],
    ];

    for (const [title, mutate, expected, base] of cases) {
        it(`rejects ${title}`, () => {
            const config = (base ?? devConfig)();
            mutate(config);
            const issues = issuesOf(config);
            for (const [key, message] of expected) {
                const hit = issues.find((i) => i.path === key);
                assert.ok(hit, `no issue at ${key}; got:\n${formatIssues(issues)}`);
                assert.match(hit.message, message);
            }
            assert.equal(issues.length, expected.length, `unexpected extra issues:\n${formatIssues(issues)}`);
        });
    }

    describe("references to runtimes", () => {
        it("lists every runtime an unknown name could have meant", () => {
            const config = devConfig();
            config.runtimes.db = { type: "docker" };
            config.entry.runtime = "remote";
            assert.deepEqual(issuesOf(config), [
                { path: "entry.runtime", message: 'no runtime named "remote" (expected one of local, db)' },
            ]);
        });
        it("says to define runtimes first where none is", () => {
            const config = devConfig();
            config.runtimes = {};
            assert.deepEqual(issuesOf(config), [
                { path: "runtimes", message: "define at least one runtime" },
                {
                    path: "postgres.runtime",
                    message: 'no runtime named "local" (expected one of none: define runtimes first)',
                },
                {
                    path: "entry.runtime",
                    message: 'no runtime named "local" (expected one of none: define runtimes first)',
                },
            ]);
        });
        it("refuses several replicas of an environment on Docker, at the environment's key", () => {
            const config = multiConfig();
            config.environments[1].replicas = 3;
            assert.deepEqual(issuesOf(config), [
                { path: "environments[1].replicas", message: "a docker runtime runs one container, got 3" },
            ]);
        });
    });

    describe("published ports", () => {
        it("lets Docker engines of different hosts publish one port each", () => {
            const config = devConfig();
            config.runtimes = {
                web: { type: "docker", host: "ssh://web.example.com" },
                db: { type: "docker", host: "ssh://db.example.com" },
            };
            Object.assign(config.entry, { runtime: "web", port: 15432 });
            Object.assign(config.postgres, { runtime: "db", port: 15432 });
            const result = validate(config);
            assert.ok(result.ok, result.ok ? "" : formatIssues(result.issues));
            config.postgres.runtime = "web";
            assert.deepEqual(issuesOf(config), [
                { path: "postgres.port", message: "port 15432 is published on the same Docker host by entry.port too" },
            ]);
        });
    });

    describe("a connection on the platform's own PostgreSQL", () => {
        /** `crm` is a database the platform manages; `bi` connects to a database of that name. */
        const connectingTo = (host: string, port: number, postgres?: Record<string, unknown>) => {
            const config = devConfig();
            if (postgres) config.postgres = postgres;
            config.apps.push({
                id: "bi",
                displayName: "BI",
                database: { mode: "connection", host, port, user: "bi", password: "p", database: "crm" },
            });
            return validate(config, ["apps", "postgres"]);
        };
        const clash = {
            path: "apps[2].database.database",
            message: 'database "crm" on the platform\'s own server is already used by apps[0].id',
        };
        const issuesOfResult = (result: ReturnType<typeof validate>) => (result.ok ? [] : result.issues);

        it("is the local server's host and port, by either loopback name", () => {
            assert.deepEqual(issuesOfResult(connectingTo("127.0.0.1", 5432)), [clash]);
            assert.deepEqual(issuesOfResult(connectingTo("localhost", 5432)), [clash]);
            assert.deepEqual(issuesOfResult(connectingTo("localhost", 5433)), [], "another server on this machine");
            assert.deepEqual(issuesOfResult(connectingTo("db.example.com", 5432)), [], "another machine's server");
        });
        it("is the external server's own host and port", () => {
            const external = { host: "pg.example.com", port: 6432, adminUser: "admin", adminPassword: "p" };
            assert.deepEqual(issuesOfResult(connectingTo("pg.example.com", 6432, external)), [clash]);
            assert.deepEqual(issuesOfResult(connectingTo("pg.example.com", 5432, external)), []);
            assert.deepEqual(issuesOfResult(connectingTo("localhost", 6432, external)), []);
        });
    });

    it("allows Kubernetes names of 63 characters, not 64", () => {
        const config = multiConfig();
        config.runtimes.k = { type: "kubernetes", namespace: "nb" };
        config.apps[1].environment = "env_b";
        // "nocobase-dev-env-" is 17 characters.
        config.environments[0] = { name: `e${"x".repeat(45)}`, runtime: "k", url: "https://env.example.com" };
        const result = validate(config);
        assert.ok(result.ok, result.ok ? "" : formatIssues(result.issues));
        config.environments[0].name += "x";
        assert.match(issuesOf(config)[0].message, /, 64 characters; Kubernetes allows at most 63$/);
    });

    it("reports every problem of a config in one go", () => {
        const config = devConfig();
        config.platform.nocobaseVersion = "latest";
        config.apps[0].database.mode = "db";
        config.apps[1].id = "Bad";
        config.entry.port = "13000";
        const issues = issuesOf(config);
        assert.deepEqual(issues.map((i) => i.path).sort(), [
            "apps[0].database.mode",
            "apps[1].id",
            "entry.port",
            "platform.nocobaseVersion",
        ]);
    });

    it("reports the README's example problems together", () => {
        const config = devConfig();
        config.apps.push(
            { id: "crm2", displayName: "CRM 2", database: { mode: "database" } },
            { id: "sales", displayName: "Sales", database: { mode: "database" } },
            { id: "hr", displayName: "HR again", database: { mode: "schema" } },
        );
        config.platform.nocobaseVersion = "latest";
        config.apps[2].database.mode = "db";
        assert.deepEqual(formatIssues(issuesOf(config)).split("\n"), [
            'platform.nocobaseVersion: must be a pinned version like 2.2.15 (a floating tag or a pre-release changes under a running platform), got "latest"',
            'apps[2].database.mode: expected one of database, schema, connection, got "db"',
            'apps[4].id: duplicate of apps[1].id "hr"',
        ]);
    });

    it("accepts a redis url without a password in plain text, and never shows a password it refuses", () => {
        const config = multiConfig();
        config.redis = { url: "redis://redis.internal:6379" };
        assert.ok(validate(config).ok);
        config.redis = { url: "rediss://ops:hunter2@redis.example.com:6380" };
        config.environments[0].url = "https://ops:swordfish@env-a.example.com";
        const text = formatIssues(issuesOf(config));
        assert.match(text, /^redis\.url: must be stored encrypted/m);
        assert.match(text, /^environments\[0\]\.url: must not carry credentials/m);
        for (const password of ["hunter2", "swordfish"]) assert.ok(!text.includes(password), text);
    });

    it("lower-cases the stack name in Kubernetes object names, and refuses one too long for them at entry.runtime", () => {
        const config = devConfig();
        config.runtimes.k = { type: "kubernetes", namespace: "nb" };
        config.entry = { runtime: "k", domain: "apps.example.com" };
        assert.ok(validate(config, [], "Prod.EU_1").ok);
        assert.equal(entryHostName("kubernetes", namePrefix("Prod.EU_1")), "nocobase-prod-eu-1-entry");
        assert.equal(workerHostName("kubernetes", namePrefix("Prod.EU_1"), "eu_2"), "nocobase-prod-eu-1-env-eu-2");
        assert.equal(
            entryHostName("docker", namePrefix("Prod.EU_1")),
            "nocobase-Prod.EU_1-entry",
            "Docker names stay as they were",
        );
        const issues = issuesOf(config, [], "x".repeat(50));
        assert.deepEqual(
            issues.map((i) => i.path),
            ["entry.runtime"],
        );
        assert.match(
            issues[0].message,
            /entry app names Kubernetes objects "nocobase-x+-entry", 65 characters; Kubernetes allows at most 63$/,
        );
    });

    it("accepts a NocoBase version exactly when the policy pack accepts its image", () => {
        for (const version of ["2.2.15", "10.0.1", "2.3.0-beta.2", "2.2.15-rc1", "2.2", "latest", "v2.2.15"]) {
            const config = devConfig();
            config.platform.nocobaseVersion = version;
            assert.equal(validate(config).ok, imagePinProblem(`nocobase/nocobase:${version}`) === undefined, version);
        }
    });

    it("takes a connection without a schema to use public, the same place as one that names it", () => {
        const config = devConfig();
        const connection = { mode: "connection", host: "bi.example.com", user: "bi", password: "p", database: "bi" };
        config.apps[0].database = connection;
        config.apps[1].database = { ...connection, schema: "public" };
        assert.deepEqual(issuesOf(config, ["apps"]), [
            {
                path: "apps[1].database",
                message: 'connection target "bi.example.com:5432/bi/public" is already used by apps[0].database',
            },
        ]);
    });

    it("lets a connection use the names an external server already has", () => {
        const config = devConfig();
        config.apps[0].database = {
            mode: "connection",
            host: "bi.example.com",
            user: "postgres",
            password: "p",
            database: "postgres",
            schema: "public",
        };
        assert.ok(validate(config, ["apps"]).ok);
    });

    it("accepts credentials stored encrypted", () => {
        const config = devConfig();
        config.postgres = { host: "db.example.com", adminUser: "admin", adminPassword: "s3cret" };
        const result = validate(config, ["postgres"]);
        assert.ok(result.ok, result.ok ? "" : formatIssues(result.issues));
        assert.equal(result.config.postgres.kind, "external");
        if (result.config.postgres.kind === "external") {
            assert.equal(result.config.postgres.adminPassword.reveal(), "s3cret");
            assert.equal(
                JSON.stringify(result.config.postgres),
                JSON.stringify({ ...result.config.postgres, adminPassword: "[secret]" }),
                "a secret never serializes its value",
            );
        }
    });

    it("reads stack file secrets as placeholders that stay secret", () => {
        const file = parseStackFile(
            [
                "config:",
                "  nocobase-platform:postgres:",
                "    host: db.example.com",
                "    adminUser: admin",
                "    adminPassword:",
                "      secure: v1:abc:def",
            ].join("\n"),
            "x",
        );
        assert.deepEqual(file.secretKeys, ["nocobase-platform:postgres"]);
        assert.deepEqual(JSON.parse(file.values["nocobase-platform:postgres"]), {
            host: "db.example.com",
            adminUser: "admin",
            adminPassword: "[secret]",
        });
    });
});

describe("the config map the Pulumi CLI hands the program", () => {
    const entry = '{"runtime":"local"}';
    const misspelled = "nocobase-platfrom:entry";

    it("takes a misspelled namespace's key, and names the namespace meant", () => {
        const input = stackConfigInput({ [misspelled]: entry }, [], PROJECT);
        assert.deepEqual({ ...input.values }, { entry: { runtime: "local" } });
        assert.deepEqual(input.issues, [
            { path: misspelled, message: `unknown namespace (did you mean ${PROJECT}:entry?)` },
        ]);
    });

    for (const order of ["project's first", "misspelled first"]) {
        it(`keeps the project's own value when both are given (${order})`, () => {
            const pairs: Array<[string, string]> = [
                [`${PROJECT}:entry`, '{"runtime":"own"}'],
                [misspelled, entry],
            ];
            if (order === "misspelled first") pairs.reverse();
            const input = stackConfigInput(Object.fromEntries(pairs), [], PROJECT);
            assert.deepEqual({ ...input.values }, { entry: { runtime: "own" } });
            assert.deepEqual(input.issues, [
                {
                    path: misspelled,
                    message: `unknown namespace (did you mean ${PROJECT}:entry?); ${PROJECT}:entry is given as well`,
                },
            ]);
        });
    }

    it("leaves other namespaces alone", () => {
        const input = stackConfigInput(
            { "docker:host": "unix:///var/run/docker.sock", [`${PROJECT}:entry`]: entry },
            [],
            PROJECT,
        );
        assert.deepEqual({ ...input.values }, { entry: { runtime: "local" } });
        assert.deepEqual(input.issues, []);
    });

    it("counts a key secret only under the project's namespace or a misspelling of it", () => {
        const keys = (secret: string[]) => [...stackConfigInput({}, secret, PROJECT).secretKeys];
        assert.deepEqual(keys(["acme:entry"]), []);
        assert.deepEqual(keys([misspelled]), ["entry"]);
        assert.deepEqual(keys([`${PROJECT}:entry`]), ["entry"]);
        // End to end: a password marked secret under another project's namespace is still plain.
        const config = devConfig();
        config.postgres = { host: "db.example.com", adminUser: "admin", adminPassword: "p" };
        const values = cliConfigValues(config);
        const result = validateStackConfig({ ...stackConfigInput(values, ["acme:postgres"], PROJECT), stack: "dev" });
        assert.equal(result.ok, false);
        assert.deepEqual((result as { issues: Issue[] }).issues, [
            {
                path: "postgres.adminPassword",
                message: "must be stored encrypted: pulumi config set --secret --path 'postgres.adminPassword' <value>",
            },
        ]);
        assert.ok(
            validateStackConfig({ ...stackConfigInput(values, [`${PROJECT}:postgres`], PROJECT), stack: "dev" }).ok,
        );
    });

    it("reads a null redis and environments as not given in shared-memory mode", () => {
        const config = devConfig();
        config.redis = null;
        config.environments = null;
        const result = validate(config);
        assert.ok(result.ok, result.ok ? "" : formatIssues(result.issues));
    });
});

describe("stack files read as the Pulumi CLI reads them", () => {
    const devText = readFileSync(stackFilePath("dev"), "utf8");
    const connection = (id: string, password: unknown) => ({
        id,
        displayName: id,
        database: { mode: "connection", host: `${id}.example.com`, user: id, password, database: id },
    });
    const validateText = (text: string) => validateStackConfig(stackFileInput(parseStackFile(text, "dev")));

    // Each case: a stack file's text, and the exact issues it must produce.
    const cases: Array<[string, string, Array<[string, RegExp]>]> = [
        // Secrets, decided per key path.
        [
            "one encrypted connection password, another in plain text",
            editedStackText("dev", (c) =>
                c.apps.push(connection("bi", { secure: "v1:abc" }), connection("ops", "hunter2")),
            ),
            [
                [
                    "apps[4].database.password",
                    /^must be stored encrypted: pulumi config set --secret --path 'apps\[4\]\.database\.password' <value>$/,
                ],
            ],
        ],
        [
            "an encrypted display name",
            editedStackText("dev", (c) => (c.apps[0].displayName = { secure: "v1:abc" })),
            [
                [
                    "apps[0].displayName",
                    /^must not be stored encrypted: it is shown in plain text \(resource inputs, the status output\)/,
                ],
            ],
        ],
        [
            "an encrypted Kubernetes context",
            editedStackText(
                "dev",
                (c) => (c.runtimes.k = { type: "kubernetes", context: { secure: "v1:abc" }, namespace: "nb" }),
            ),
            [["runtimes.k.context", /^must not be stored encrypted/]],
        ],
        [
            "an encrypted value where an object belongs",
            editedStackText("dev", (c) => (c.apps[0].database = { secure: "v1:abc" })),
            [["apps[0].database", /^must not be stored encrypted/]],
        ],
        // The YAML the CLI reads.
        [
            "a port of .inf",
            devText.replace("port: 15432", "port: .inf"),
            [["postgres.port", /^expected a finite number, got \.inf/]],
        ],
        [
            "a port of .nan",
            devText.replace("port: 13000", "port: .nan"),
            [["entry.port", /^expected a finite number, got \.nan/]],
        ],
        [
            "the same key given with and without the namespace",
            `${devText}  entry:\n    runtime: local\n`,
            [["entry", /^given twice, as nocobase-platform:entry and entry$/]],
        ],
        [
            "a misspelled namespace",
            devText.replace("nocobase-platform:apps:", "nocobase-platfrom:apps:"),
            [["nocobase-platfrom:apps", /^unknown namespace \(did you mean nocobase-platform:apps\?\)$/]],
        ],
        [
            "a project key outside config:",
            `${devText.replace("  nocobase-platform:entry:\n    runtime: local\n    port: 13000\n", "")}nocobase-platform:entry:\n  runtime: local\n  port: 13000\n`,
            [["nocobase-platform:entry", /^is outside config: \(indent it under config:\)$/]],
        ],
        [
            "a misspelled config:",
            devText.replace("\nconfig:", "\nconfg:"),
            [
                ["confg", /^unknown key of a stack file .*; did you mean config\?$/],
                ["platform", /^required$/],
                ["runtimes", /^required$/],
                ["postgres", /^required$/],
                ["entry", /^required$/],
                ["apps", /^required$/],
            ],
        ],
    ];
    for (const [title, text, expected] of cases) {
        it(`rejects ${title}`, () => {
            const result = validateText(text);
            assert.equal(result.ok, false, "expected the file to be rejected");
            const issues = (result as { issues: Issue[] }).issues;
            for (const [key, message] of expected) {
                const hit = issues.find((i) => i.path === key);
                assert.ok(hit, `no issue at ${key}; got:\n${formatIssues(issues)}`);
                assert.match(hit.message, message);
            }
            assert.equal(issues.length, expected.length, `unexpected extra issues:\n${formatIssues(issues)}`);
        });
    }

    it("honours YAML merge keys", () => {
        const text = [
            "config:",
            "  nocobase-platform:platform: { mode: shared-memory, nocobaseVersion: '2.2.15' }",
            "  nocobase-platform:runtimes: { local: { type: docker } }",
            "  nocobase-platform:postgres: { runtime: local }",
            "  nocobase-platform:entry: { runtime: local }",
            "  nocobase-platform:apps:",
            "    - &app { id: crm, displayName: CRM, database: { mode: database }, startMode: with-main }",
            "    - <<: *app",
            "      id: hr",
            "      displayName: HR",
        ].join("\n");
        const result = validateText(text);
        assert.ok(result.ok, result.ok ? "" : formatIssues(result.issues));
        assert.deepEqual(
            result.config.apps.map((a) => [a.id, a.startMode, a.database.mode]),
            [
                ["crm", "with-main", "database"],
                ["hr", "with-main", "database"],
            ],
        );
    });

    it("refuses invalid UTF-8 with its line, instead of replacing it", () => {
        const bytes = Buffer.concat([
            Buffer.from("config:\n  nocobase-platform:apps:\n    - displayName: "),
            Buffer.from([0xc3, 0x28]),
            Buffer.from("\n"),
        ]);
        assert.throws(
            () => decodeStackFile(bytes),
            (e: Error) => e instanceof StackFileError && e.message === "line 3: not valid UTF-8",
        );
        assert.equal(decodeStackFile(Buffer.from("config: {}\n")), "config: {}\n");
    });

    it("refuses complex keys, and prints no warning for anything it reads", () => {
        const warned: string[] = [];
        const emitWarning = process.emitWarning;
        process.emitWarning = ((w: string | Error) => warned.push(String(w))) as typeof process.emitWarning;
        try {
            assert.throws(
                () => parseStackFile("config:\n  ? [a, b]\n  : c\n", "dev"),
                (e: Error) => e instanceof StackFileError && /^line 2: a key must be a plain value/.test(e.message),
            );
            assert.throws(() => parseStackFile("config:\n  a: 1\n  a: 2\n", "dev"), StackFileError);
            assert.throws(
                () => parseStackFile("config:\n  nocobase-platform:x: !unknown-tag 1\n", "dev"),
                StackFileError,
            );
        } finally {
            process.emitWarning = emitWarning;
        }
        assert.deepEqual(warned, []);
    });
});

describe("stack file JSON Schema", () => {
    const schemaFile = path.join(PROJECT_ROOT, "stacks", "stack.schema.json");

    it("is the one generated from the config schema (run npm run schema after changing it)", () => {
        const committed = JSON.parse(readFileSync(schemaFile, "utf8"));
        assert.deepEqual(committed, stackFileJsonSchema(PROJECT));
    });

    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const check = ajv.compile(stackFileJsonSchema(PROJECT));

    for (const stack of STACKS) {
        it(`validates the sample stack ${stack}`, () => {
            const doc = parse(readFileSync(stackFilePath(stack), "utf8"));
            assert.ok(check(doc), ajv.errorsText(check.errors));
        });
    }

    // What `pulumi up` refuses and editors accepted before the database became a union tagged by mode.
    const apps = (doc: any) => doc.config["nocobase-platform:apps"];
    const strictCases: Array<[string, string, (doc: any) => void]> = [
        ["host in database mode", "apps[0].database.host", (doc) => (apps(doc)[0].database.host = "db.example.com")],
        [
            "a connection without a password",
            "apps[0].database.password",
            (doc) =>
                (apps(doc)[0].database = { mode: "connection", host: "db.example.com", user: "bi", database: "bi" }),
        ],
        ["dropData on an app that is not decommissioned", "apps[0].dropData", (doc) => (apps(doc)[0].dropData = true)],
    ];
    for (const [title, keyPath, edit] of strictCases) {
        it(`refuses ${title}, as validation does at ${keyPath}`, () => {
            const doc = parse(readFileSync(stackFilePath("dev"), "utf8"));
            edit(doc);
            assert.equal(check(doc), false, `the editor schema accepts ${title}`);
            const result = validateStackConfig(stackFileInput(parseStackFile(stringify(doc), "dev")));
            assert.deepEqual(result.ok ? [] : result.issues.map((i) => i.path), [keyPath]);
        });
    }

    it("accepts dropData on a decommissioned app", () => {
        const doc = parse(readFileSync(stackFilePath("dev"), "utf8"));
        Object.assign(apps(doc)[0], { state: "decommissioned", dropData: true });
        assert.ok(check(doc), ajv.errorsText(check.errors));
    });

    it("holds the PostgreSQL reserved words once, in $defs", () => {
        const text = JSON.stringify(stackFileJsonSchema(PROJECT));
        assert.equal(text.split('"tablesample"').length - 1, 1);
        assert.ok(text.includes('"$ref":"#/$defs/pgReservedWord"'));
    });

    it("shows every default of the defaults table where the key is", () => {
        const app = (stackFileJsonSchema(PROJECT) as any).properties.config.properties["nocobase-platform:apps"].items;
        assert.equal(app.properties.startMode.default, DEFAULTS.startMode);
        assert.equal(app.properties.upgrade.default, DEFAULTS.upgrade);
        assert.equal(app.properties.dropData.default, DEFAULTS.dropData);
    });

    it("flags what an editor should flag as people type", () => {
        const doc = parse(readFileSync(stackFilePath("dev"), "utf8"));
        doc.config["nocobase-platform:apps"][0].database.mode = "db";
        doc.config["nocobase-platform:platform"].nocobaseVersion = "latest";
        assert.equal(check(doc), false);
        const paths = (check.errors ?? []).map((e) => e.instancePath);
        assert.ok(paths.includes("/config/nocobase-platform:apps/0/database/mode"), paths.join(", "));
        assert.ok(paths.includes("/config/nocobase-platform:platform/nocobaseVersion"), paths.join(", "));
    });
});
