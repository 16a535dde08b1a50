/**
 * The type token of every resource this program registers or reads. A token is half of a URN:
 * changing one replaces every deployed resource of that type, so each is written here once, and
 * the components, the plan, the policy pack and the benchmark compare against these.
 */
export const TYPES = {
    // The components: `nocobase-platform:index:<Class>`.
    platform: "nocobase-platform:index:NocoBasePlatform",
    platformSecrets: "nocobase-platform:index:PlatformSecrets",
    runtime: "nocobase-platform:index:Runtime",
    entryApp: "nocobase-platform:index:EntryApp",
    /** A worker; the token keeps the name it had when workers were called runtime environments. */
    worker: "nocobase-platform:index:RuntimeEnvironment",
    dockerWorkload: "nocobase-platform:index:DockerWorkload",
    kubernetesWorkload: "nocobase-platform:index:KubernetesWorkload",
    postgresServer: "nocobase-platform:index:PostgresServer",
    redisServer: "nocobase-platform:index:RedisServer",
    sharedTenantsDatabase: "nocobase-platform:index:SharedTenantsDatabase",
    tenantDatabase: "nocobase-platform:index:TenantDatabase",
    tenantApp: "nocobase-platform:index:TenantApp",
    // The dynamic resources: the tokens `pulumi.dynamic.Resource` gave them (`pulumi-nodejs:dynamic/<module>:<type>`).
    app: "pulumi-nodejs:dynamic/nocobase:App",
    decommission: "pulumi-nodejs:dynamic/nocobase:Decommission",
    upgradeBackup: "pulumi-nodejs:dynamic/nocobase:UpgradeBackup",
    restore: "pulumi-nodejs:dynamic/nocobase:Restore",
    externalEntry: "pulumi-nodejs:dynamic/nocobase:ExternalEntry",
    // The providers' resources.
    pgDatabase: "postgresql:index/database:Database",
    pgSchema: "postgresql:index/schema:Schema",
    pgRole: "postgresql:index/role:Role",
    pgGrant: "postgresql:index/grant:Grant",
    randomPassword: "random:index/randomPassword:RandomPassword",
    randomId: "random:index/randomId:RandomId",
    dockerImage: "docker:index/remoteImage:RemoteImage",
    dockerContainer: "docker:index/container:Container",
    dockerVolume: "docker:index/volume:Volume",
    dockerNetwork: "docker:index/network:Network",
    k8sNamespace: "kubernetes:core/v1:Namespace",
    k8sSecret: "kubernetes:core/v1:Secret",
    k8sConfigMap: "kubernetes:core/v1:ConfigMap",
    k8sService: "kubernetes:core/v1:Service",
    k8sClaim: "kubernetes:core/v1:PersistentVolumeClaim",
    k8sDeployment: "kubernetes:apps/v1:Deployment",
    k8sStatefulSet: "kubernetes:apps/v1:StatefulSet",
    k8sDaemonSet: "kubernetes:apps/v1:DaemonSet",
    k8sIngress: "kubernetes:networking.k8s.io/v1:Ingress",
} as const;
