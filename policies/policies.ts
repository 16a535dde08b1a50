/** Every policy of the pack, importable without starting a policy server (see index.ts). */
import type { Policies } from "@pulumi/policy";
import { appsPerEnvironment } from "./capacity";
import { tenantDataProtected } from "./dataProtection";
import { imagePinned, sameVersion } from "./images";
import { kubernetesWorkloadHealth } from "./kubernetesWorkloads";
import { uniqueValidNames } from "./names";
import { noPlaintextSecrets } from "./plaintextSecrets";
import { noSharedJwtInProduction } from "./sessions";
import { multiEnvironmentTopology, schemaModeOnPostgres } from "./topology";

export const policies: Policies = [
    uniqueValidNames,
    tenantDataProtected,
    imagePinned,
    sameVersion,
    noSharedJwtInProduction,
    noPlaintextSecrets,
    kubernetesWorkloadHealth,
    multiEnvironmentTopology,
    schemaModeOnPostgres,
    appsPerEnvironment,
];
