package main

import (
	"context"
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

// bare is a provider that is never configured: Check, Diff and previews must not need a server.
func bare(t *testing.T) *harness {
	return &harness{t: t, p: newProvider(), ctx: context.Background()}
}

func TestCheckConfigAcceptsStringEncodedInputs(t *testing.T) {
	h := bare(t)
	resp, err := h.p.CheckConfig(h.ctx, &pulumirpc.CheckRequest{News: explicitProviderInputs(map[string]string{
		"clientcert": `{"cert":"/c.pem","key":"/k.pem"}`, "maxConnections": "4", "database": "postgres",
		"expectedVersion": "15", "scheme": "postgres", "sslrootcert": "/root.pem", "databaseUsername": "postgres",
	})})
	if err != nil || len(resp.GetFailures()) > 0 {
		t.Fatalf("CheckConfig: %v %v", err, resp.GetFailures())
	}
	// The inputs come back as sent (the engine diffs and displays these), password secret.
	pw := resp.GetInputs().GetFields()["password"].GetStructValue().GetFields()
	wantEqual(t, "password secret", pw[sigKey].GetStringValue(), secretSig)
	wantEqual(t, "port as sent", resp.GetInputs().GetFields()["port"].GetStringValue(), pgPort())

	raw, _ := decodeProps(resp.GetInputs())
	in, fails := decodeConfig(raw)
	if len(fails) > 0 {
		t.Fatal(fails)
	}
	cfg := resolveConfig(in)
	wantEqual(t, "port", cfg.port, pgPort())
	wantEqual(t, "superuser", cfg.superuser, true)
	wantEqual(t, "connectTimeout", cfg.connectTimeout, 30)
	wantEqual(t, "maxConnections", cfg.maxConnections, 4)
	wantEqual(t, "clientcert", cfg.certPath+" "+cfg.keyPath, "/c.pem /k.pem")

	// Typed values (stack config, newer SDKs) are accepted as well.
	typed := encodeProps(props{"port": 5432.0, "superuser": false, "connectTimeout": 5.0}, nil)
	in, fails = decodeConfig(func() props { p, _ := decodeProps(typed); return p }())
	if len(fails) > 0 {
		t.Fatal(fails)
	}
	cfg = resolveConfig(in)
	wantEqual(t, "typed", []any{cfg.port, cfg.superuser, cfg.connectTimeout}, []any{5432, false, 5})
}

func TestCheckConfigFailures(t *testing.T) {
	h := bare(t)
	for key, value := range map[string]string{
		"port": "five", "scheme": "mysql", "connectTimeout": "-2", "maxConnections": "-5", "superuser": "yes please",
		"expectedVersion": "latest",
	} {
		resp, err := h.p.CheckConfig(h.ctx, &pulumirpc.CheckRequest{News: explicitProviderInputs(map[string]string{key: value})})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.GetFailures()) == 0 || resp.GetFailures()[0].GetProperty() != key {
			t.Errorf("%s=%q: expected a failure on %s, got %v", key, value, key, resp.GetFailures())
		}
	}
}

func TestDiffConfig(t *testing.T) {
	h := bare(t)
	old := explicitProviderInputs(nil)
	same, err := h.p.DiffConfig(h.ctx, &pulumirpc.DiffRequest{OldInputs: old, Olds: old, News: explicitProviderInputs(nil)})
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "no change", same.GetChanges(), pulumirpc.DiffResponse_DIFF_NONE)
	moved, _ := h.p.DiffConfig(h.ctx, &pulumirpc.DiffRequest{OldInputs: old, Olds: old, News: explicitProviderInputs(map[string]string{"port": "5433"})})
	wantEqual(t, "port change", []any{moved.GetChanges(), moved.GetDiffs(), len(moved.GetReplaces())},
		[]any{pulumirpc.DiffResponse_DIFF_SOME, []string{"port"}, 0})
}

func TestConfigureAcceptsSecretsAndPreview(t *testing.T) {
	h := bare(t)
	resp, err := h.p.Configure(h.ctx, &pulumirpc.ConfigureRequest{Args: explicitProviderInputs(nil), AcceptSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	if !resp.GetAcceptSecrets() || !resp.GetSupportsPreview() {
		t.Errorf("Configure: %v", resp)
	}
	// A preview may configure with values that are not known yet.
	args := explicitProviderInputs(nil)
	args.Fields["password"] = structpb.NewStringValue(unknownSentinel)
	if _, err := h.p.Configure(h.ctx, &pulumirpc.ConfigureRequest{Args: args}); err != nil {
		t.Fatalf("Configure with an unknown: %v", err)
	}
	// The older form: variables only.
	if _, err := h.p.Configure(h.ctx, &pulumirpc.ConfigureRequest{Variables: map[string]string{
		"postgresql:config:host": "127.0.0.1", "postgresql:config:port": "5432",
	}}); err != nil {
		t.Fatalf("Configure with variables: %v", err)
	}
	c, _ := h.p.getClient()
	wantEqual(t, "variables", c.cfg.host+":"+strconv.Itoa(c.cfg.port), "127.0.0.1:5432")
}

func TestCheckRoleAppliesDefaultsLikeTheBridge(t *testing.T) {
	h := bare(t)
	in := h.check(roleSpec.token, "app", nil, props{"name": "app", "login": true, "password": "pw", "superuser": false, "roles": []any{}})
	got, _ := decodeProps(in)
	wantEqual(t, "defaults", []any{got["inherit"], got["connectionLimit"], got["encryptedPassword"], got["validUntil"]},
		[]any{true, -1, true, "infinity"})
	// Falsy defaults are left out of the inputs, as the bridge does since v3.127.
	for _, k := range []string{"replication", "createDatabase", "skipDropRole", "bypassRowLevelSecurity"} {
		if _, ok := got[k]; ok {
			t.Errorf("%s should not be in the checked inputs", k)
		}
	}
	wantEqual(t, "explicit false kept", got["superuser"], false)
	wantEqual(t, "__defaults", got[defaultsKey], []any{"connectionLimit", "encryptedPassword", "inherit", "validUntil"})
	wantEqual(t, "password secret", in.GetFields()["password"].GetStructValue().GetFields()[sigKey].GetStringValue(), secretSig)
}

func TestCheckAutonames(t *testing.T) {
	h := bare(t)
	in := h.check(databaseSpec.token, "tenant-db", nil, props{})
	got, _ := decodeProps(in)
	name := got.str("name")
	if !strings.HasPrefix(name, "tenant-db-") || len(name) != len("tenant-db-")+7 {
		t.Fatalf("autoname: %q", name)
	}
	wantEqual(t, "__defaults", got[defaultsKey], []any{"allowConnections", "connectionLimit", "name"})
	// The same seed gives the same name; an existing autoname is kept.
	again, _ := decodeProps(h.check(databaseSpec.token, "tenant-db", nil, props{}))
	wantEqual(t, "deterministic", again.str("name"), name)
	kept, _ := decodeProps(h.check(databaseSpec.token, "other", in, props{}))
	wantEqual(t, "kept from olds", kept.str("name"), name)
	// A name the program gave is not reused as a default once the program drops it.
	explicit := h.check(databaseSpec.token, "tenant-db", nil, props{"name": "given"})
	renamed, _ := decodeProps(h.check(databaseSpec.token, "tenant-db", explicit, props{}))
	if renamed.str("name") == "given" {
		t.Errorf("an explicit name must not become a default")
	}
}

func TestCheckFailures(t *testing.T) {
	h := bare(t)
	cases := []struct {
		token string
		news  props
		prop  string
	}{
		{grantSpec.token, props{"database": "d", "objectType": "database", "privileges": []any{}}, "role"},
		{grantSpec.token, props{"role": "r", "database": "d", "objectType": "view", "privileges": []any{}}, "objectType"},
		{grantSpec.token, props{"role": "r", "database": "d", "objectType": "database"}, "privileges"},
		{roleSpec.token, props{"name": "r", "connectionLimit": -2.0}, "connectionLimit"},
		{roleSpec.token, props{"name": "r", "statementTimeout": "soon"}, "statementTimeout"},
		{roleSpec.token, props{"name": "r", "password": "a", "passwordWo": "b", "passwordWoVersion": "1"}, "password"},
		{roleSpec.token, props{"name": "r", "passwordWo": "b"}, "passwordWo"},
		{databaseSpec.token, props{"name": "d", "connectionLimit": -7.0}, "connectionLimit"},
		{schemaSpec.token, props{"name": "s", "ifNotExists": "maybe"}, "ifNotExists"},
	}
	for _, c := range cases {
		_, fails := h.checkFailures(c.token, "x", nil, c.news)
		if len(fails) == 0 || fails[0].GetProperty() != c.prop {
			t.Errorf("%s %v: expected a failure on %s, got %v", c.token, c.news, c.prop, fails)
		}
	}
	// An unknown value is not validated yet.
	if _, fails := h.checkFailures(grantSpec.token, "x", nil, props{"role": unknown, "database": "d", "objectType": unknown, "privileges": []any{}}); len(fails) > 0 {
		t.Errorf("unknowns: %v", fails)
	}
}

// diffCase diffs a state (outputs as the provider reports them) against new program inputs.
type diffCase struct {
	name     string
	token    string
	olds     props
	news     props
	changes  string // changed keys, comma-separated; "" for none
	replaces string
}

func TestDiffRules(t *testing.T) {
	role := props{"id": "app", "name": "app", "login": true, "password": "old", "superuser": false, "createDatabase": false,
		"createRole": false, "inherit": true, "connectionLimit": -1.0, "encryptedPassword": true, "validUntil": "infinity",
		"roles": []any{"b", "a"}, "searchPaths": nil, "assumeRole": "", "statementTimeout": 0.0, "replication": false,
		"bypassRowLevelSecurity": false, "skipDropRole": false, "skipReassignOwned": false, "idleInTransactionSessionTimeout": 0.0}
	db := props{"id": "appdb", "name": "appdb", "owner": "app", "template": "template0", "encoding": "UTF8", "lcCollate": "C.UTF-8",
		"lcCtype": "C.UTF-8", "tablespaceName": "pg_default", "connectionLimit": -1.0, "allowConnections": true, "isTemplate": false,
		"alterObjectOwnership": false}
	schema := props{"id": "shared.app", "name": "app", "database": "shared", "owner": "app", "ifNotExists": true, "dropCascade": false}
	grant := props{"id": "public_appdb_database", "role": "public", "database": "appdb", "objectType": "database",
		"privileges": []any{}, "withGrantOption": false}
	with := func(base props, kv ...any) props {
		out := base.copy()
		delete(out, "id")
		for i := 0; i < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1]
		}
		return out
	}
	roleIn := func(kv ...any) props {
		return with(props{"name": "app", "login": true, "password": "old", "superuser": false, "createDatabase": false,
			"createRole": false, "roles": []any{"a", "b"}}, kv...)
	}
	cases := []diffCase{
		{"role unchanged (set order, omitted zero values)", roleSpec.token, role, roleIn(), "", ""},
		{"role password", roleSpec.token, role, roleIn("password", "new"), "password", ""},
		{"role rename", roleSpec.token, role, roleIn("name", "app2"), "name", ""},
		{"role membership", roleSpec.token, role, roleIn("roles", []any{"a"}), "roles", ""},
		{"role superuser", roleSpec.token, role, roleIn("superuser", true), "superuser", ""},
		{"role default inherit", roleSpec.token, with(role, "inherit", false), roleIn(), "inherit", ""},
		{"role password removed", roleSpec.token, role, with(roleIn(), "password", nil), "password", ""},
		{"role write-only password never diffs", roleSpec.token, with(role, "password", nil, "passwordWoVersion", "1"),
			roleIn("password", nil, "passwordWo", "y", "passwordWoVersion", "1"), "", ""},
		{"role write-only password version", roleSpec.token, with(role, "password", nil, "passwordWoVersion", "1"),
			roleIn("password", nil, "passwordWo", "y", "passwordWoVersion", "2"), "passwordWoVersion", ""},
		{"database unchanged, server-chosen values omitted", databaseSpec.token, db, props{"name": "appdb", "owner": "app"}, "", ""},
		{"database owner", databaseSpec.token, db, props{"name": "appdb", "owner": "other"}, "owner", ""},
		{"database owner left out", databaseSpec.token, db, props{"name": "appdb"}, "", ""},
		{"database rename", databaseSpec.token, db, props{"name": "appdb2", "owner": "app"}, "name", ""},
		{"database template", databaseSpec.token, db, props{"name": "appdb", "template": "template1"}, "template", "template"},
		{"database encoding", databaseSpec.token, db, props{"name": "appdb", "encoding": "LATIN1"}, "encoding", "encoding"},
		{"database lcCollate", databaseSpec.token, db, props{"name": "appdb", "lcCollate": "C"}, "lcCollate", "lcCollate"},
		{"database lcCtype", databaseSpec.token, db, props{"name": "appdb", "lcCtype": "C"}, "lcCtype", "lcCtype"},
		{"database same template", databaseSpec.token, db, props{"name": "appdb", "template": "template0"}, "", ""},
		{"database connection limit", databaseSpec.token, db, props{"name": "appdb", "connectionLimit": 5.0}, "connectionLimit", ""},
		{"database unknown owner", databaseSpec.token, db, props{"name": "appdb", "owner": unknown}, "owner", ""},
		{"database unknown template", databaseSpec.token, db, props{"name": "appdb", "template": unknown}, "template", "template"},
		{"schema owner", schemaSpec.token, schema, props{"name": "app", "database": "shared", "owner": "x"}, "owner", ""},
		{"schema rename", schemaSpec.token, schema, props{"name": "app2", "database": "shared", "owner": "app"}, "name", ""},
		{"schema database", schemaSpec.token, schema, props{"name": "app", "database": "other", "owner": "app"}, "database", "database"},
		{"schema database left out", schemaSpec.token, schema, props{"name": "app"}, "", ""},
		{"schema dropCascade", schemaSpec.token, schema, props{"name": "app", "dropCascade": true}, "dropCascade", ""},
		{"grant unchanged", grantSpec.token, grant, with(grant), "", ""},
		{"grant privileges", grantSpec.token, grant, with(grant, "privileges", []any{"CONNECT"}), "privileges", ""},
		{"grant role", grantSpec.token, grant, with(grant, "role", "r"), "role", "role"},
		{"grant database", grantSpec.token, grant, with(grant, "database", "d"), "database", "database"},
		{"grant objectType", grantSpec.token, grant, with(grant, "objectType", "schema", "schema", "s"), "schema,objectType", "schema,objectType"},
		{"grant withGrantOption", grantSpec.token, grant, with(grant, "withGrantOption", true), "withGrantOption", "withGrantOption"},
		{"grant objects", grantSpec.token, grant, with(grant, "objects", []any{"t"}), "objects", "objects"},
		{"grant privilege order", grantSpec.token, with(grant, "privileges", []any{"CONNECT", "CREATE"}),
			with(grant, "privileges", []any{"CREATE", "CONNECT"}), "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := bare(t)
			news := h.check(c.token, "r", nil, c.news)
			d := h.diff(c.token, "r", state{id: "x", outputs: encodeProps(c.olds, nil)}, news)
			wantEqual(t, "changes", changedKeys(d), c.changes)
			wantEqual(t, "replaces", strings.Join(d.GetReplaces(), ","), c.replaces)
			wantChanges := pulumirpc.DiffResponse_DIFF_NONE
			if c.changes != "" {
				wantChanges = pulumirpc.DiffResponse_DIFF_SOME
			}
			wantEqual(t, "DIFF_*", d.GetChanges(), wantChanges)
			// Only a grant asks for its old self to go first.
			wantEqual(t, "deleteBeforeReplace", d.GetDeleteBeforeReplace(), c.token == grantSpec.token && c.replaces != "")
		})
	}
}

func TestDiffIgnoreChanges(t *testing.T) {
	h := bare(t)
	olds := props{"id": "d", "name": "d", "owner": "a", "template": "template0", "connectionLimit": -1.0, "allowConnections": true}
	news := h.check(databaseSpec.token, "r", nil, props{"name": "d", "owner": "b", "template": "template1"})
	resp, err := h.p.Diff(h.ctx, &pulumirpc.DiffRequest{Urn: urnOf(databaseSpec.token, "r"), Olds: encodeProps(olds, nil),
		News: news, IgnoreChanges: []string{"template", "owner"}})
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "ignored", resp.GetChanges(), pulumirpc.DiffResponse_DIFF_NONE)
}

func TestPreviewTouchesNoServer(t *testing.T) {
	h := bare(t) // not configured at all
	inputs := h.check(databaseSpec.token, "db", nil, props{"name": "pgprov_never", "owner": unknown})
	resp, err := h.p.Create(h.ctx, &pulumirpc.CreateRequest{Urn: urnOf(databaseSpec.token, "db"), Properties: inputs, Preview: true})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := decodeProps(resp.GetProperties())
	wantEqual(t, "planned", []any{out["name"], out["connectionLimit"], out["allowConnections"]}, []any{"pgprov_never", -1, true})
	for _, k := range []string{"owner", "encoding", "lcCollate", "tablespaceName", "isTemplate"} {
		if out[k] != unknown {
			t.Errorf("%s: want unknown in a preview, got %v", k, out[k])
		}
	}
	roleIn := h.check(roleSpec.token, "r", nil, props{"name": "pgprov_never", "password": "pw"})
	rresp, err := h.p.Create(h.ctx, &pulumirpc.CreateRequest{Urn: urnOf(roleSpec.token, "r"), Properties: roleIn, Preview: true})
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "secret password in preview", rresp.GetProperties().GetFields()["password"].GetStructValue().GetFields()[sigKey].GetStringValue(), secretSig)
	old := state{id: "pgprov_never", outputs: encodeProps(props{"id": "pgprov_never", "name": "pgprov_never", "password": "pw"}, nil)}
	newIn := h.check(roleSpec.token, "r", roleIn, props{"name": "pgprov_never", "password": "pw2"})
	if _, err := h.p.Update(h.ctx, &pulumirpc.UpdateRequest{Urn: urnOf(roleSpec.token, "r"), Id: old.id, Olds: old.outputs, News: newIn, Preview: true}); err != nil {
		t.Fatalf("Update preview: %v", err)
	}
}

func TestGetSchema(t *testing.T) {
	h := bare(t)
	resp, err := h.p.GetSchema(h.ctx, &pulumirpc.GetSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Name      string
		Resources map[string]struct {
			InputProperties map[string]map[string]any
			RequiredInputs  []string
		}
		Provider struct{ InputProperties map[string]map[string]any }
	}
	if err := json.Unmarshal([]byte(resp.GetSchema()), &s); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "name", s.Name, "postgresql")
	for _, tok := range []string{"postgresql:index/role:Role", "postgresql:index/database:Database", "postgresql:index/schema:Schema", "postgresql:index/grant:Grant"} {
		if _, ok := s.Resources[tok]; !ok {
			t.Errorf("schema lacks %s", tok)
		}
	}
	wantEqual(t, "role password secret", s.Resources["postgresql:index/role:Role"].InputProperties["password"]["secret"], true)
	wantEqual(t, "provider password secret", s.Provider.InputProperties["password"]["secret"], true)
	wantEqual(t, "template replaces", s.Resources["postgresql:index/database:Database"].InputProperties["template"]["willReplaceOnChanges"], true)
	wantEqual(t, "grant required", s.Resources["postgresql:index/grant:Grant"].RequiredInputs, []string{"database", "objectType", "privileges", "role"})
	info, _ := h.p.GetPluginInfo(h.ctx, nil)
	if info.GetVersion() == "" {
		t.Error("no version")
	}
}

func TestSSLModeAndConnectTimeout(t *testing.T) {
	h := newHarness(t)
	ssl := h.query("postgres", "SHOW ssl")
	try := func(extra map[string]string) error {
		h.configure(explicitProviderInputs(extra))
		c, _ := h.p.getClient()
		return c.withConn(h.ctx, "", func(conn *pgx.Conn) error { return nil })
	}
	if err := try(map[string]string{"sslmode": "disable"}); err != nil {
		t.Fatalf("sslmode disable: %v", err)
	}
	if ssl == "on" {
		// require encrypts without checking the certificate; verify-full checks it, and the
		// local server's certificate is signed by no authority this machine trusts.
		if err := try(map[string]string{"sslmode": "require"}); err != nil {
			t.Errorf("sslmode require: %v", err)
		}
		if err := try(map[string]string{"sslmode": "verify-full"}); err == nil {
			t.Errorf("sslmode verify-full accepted an unverifiable certificate")
		}
	}
	if err := try(map[string]string{"sslmode": "sometimes"}); err == nil || !strings.Contains(err.Error(), "unsupported sslmode") {
		t.Errorf("sslmode sometimes: %v", err)
	}
	// A server that accepts the connection and then says nothing: connectTimeout ends the wait.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	go func() {
		for {
			conn, err := lis.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(lis.Addr().String())
	start := time.Now()
	err = try(map[string]string{"port": port, "connectTimeout": "1", "password": "pgprov-Secret-42"})
	if err == nil || time.Since(start) > 10*time.Second {
		t.Errorf("connectTimeout 1: err=%v after %v", err, time.Since(start))
	}
	if err != nil && strings.Contains(err.Error(), "pgprov-Secret-42") {
		t.Errorf("the error shows the password: %v", err)
	}
}
