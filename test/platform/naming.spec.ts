/**
 * The addresses the platform derives from its configuration, called directly: the admin UI below
 * the entry URL, how workloads reach each other on a runtime, and how `pulumi up` reaches a Docker
 * host's published ports.
 */
import * as assert from "node:assert/strict";
import type { RuntimeConfig } from "../../components/config/types";
import { appAdminUrl, dockerHostAddress, workloadInternalUrl } from "../../components/platform/naming";

describe("platform addresses", () => {
    it("an app's admin UI is below the entry URL, however many slashes that URL ends with", () => {
        for (const entry of [
            "https://nocobase.example.com",
            "https://nocobase.example.com/",
            "https://nocobase.example.com//",
        ])
            assert.equal(appAdminUrl(entry, "crm"), "https://nocobase.example.com/apps/crm/admin/", entry);
        assert.equal(appAdminUrl("http://localhost:13000/base/", "a_1"), "http://localhost:13000/base/apps/a_1/admin/");
    });

    it("a workload is reached by its container name on Docker and by its Service's DNS name on Kubernetes", () => {
        const docker: RuntimeConfig = { name: "local", type: "docker" };
        const cluster: RuntimeConfig = {
            name: "prod",
            type: "kubernetes",
            namespace: "tenants",
            ingressClass: "nginx",
        };
        const cases: Array<[RuntimeConfig, number, string]> = [
            [docker, 80, "http://nocobase-dev-entry"],
            [docker, 13000, "http://nocobase-dev-entry:13000"],
            [cluster, 80, "http://nocobase-dev-entry.tenants.svc.cluster.local"],
            [cluster, 8080, "http://nocobase-dev-entry.tenants.svc.cluster.local:8080"],
        ];
        for (const [runtime, port, url] of cases)
            assert.equal(workloadInternalUrl(runtime, "nocobase-dev-entry", port), url, `${runtime.type}:${port}`);
    });

    it("a local Docker engine's ports are on localhost; a remote one's on the host its URL names", () => {
        const cases: Array<[string | undefined, string]> = [
            [undefined, "localhost"],
            ["", "localhost"],
            ["unix:///var/run/docker.sock", "localhost"],
            ["npipe:////./pipe/docker_engine", "localhost"],
            ["tcp://10.0.0.5:2376", "10.0.0.5"],
            ["ssh://deploy@build.example.com", "build.example.com"],
        ];
        for (const [host, address] of cases) assert.equal(dockerHostAddress(host), address, String(host));
    });
});
