/** The Docker engine the suite deploys to, and cleanup of what a stack left on it. */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { ROOT } from "./engine";

/** The host of the engine `.ci/docker.sh` started or found (npm run test:engine starts it). */
export function dockerHost(): string {
    return execFileSync(path.join(ROOT, ".ci/docker.sh"), ["host"], { encoding: "utf8" }).trim();
}

export function docker(host: string, args: string[]): string {
    return execFileSync("docker", ["-H", host, ...args], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
    }).trim();
}

function lines(text: string): string[] {
    return text.split("\n").filter((l) => l !== "");
}

/** Names of containers, volumes and networks that start with the prefix (a stack's namePrefix). */
export function leftovers(
    host: string,
    prefix: string,
): { containers: string[]; volumes: string[]; networks: string[] } {
    const starts = (names: string[]) => names.filter((n) => n.startsWith(prefix));
    return {
        containers: starts(lines(docker(host, ["ps", "-a", "--format", "{{.Names}}"]))),
        volumes: starts(lines(docker(host, ["volume", "ls", "--format", "{{.Name}}"]))),
        networks: starts(lines(docker(host, ["network", "ls", "--format", "{{.Name}}"]))),
    };
}

/** Removes everything a stack with this prefix left behind: a test's own objects only. */
export function removeLeftovers(host: string, prefix: string): void {
    const left = leftovers(host, prefix);
    if (left.containers.length > 0) docker(host, ["rm", "-f", "-v", ...left.containers]);
    if (left.volumes.length > 0) docker(host, ["volume", "rm", "-f", ...left.volumes]);
    if (left.networks.length > 0) docker(host, ["network", "rm", ...left.networks]);
}
