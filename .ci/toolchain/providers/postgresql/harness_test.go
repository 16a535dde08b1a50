package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

// The tests drive the provider's gRPC methods in-process, in the order the engine calls them,
// against the local PostgreSQL (PGHOST/PGPORT/PGUSER, default 127.0.0.1:5432 postgres). Every
// object they make is named pgprov_* and dropped at the end.

func pgHost() string { return envOr("PGHOST", "127.0.0.1") }
func pgPort() string { return envOr("PGPORT", "5432") }
func pgUser() string { return envOr("PGUSER", "postgres") }

func adminConn(t *testing.T, database string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dsn := fmt.Sprintf("host=%s port=%s user=%s dbname=%s sslmode=disable", pgHost(), pgPort(), pgUser(), database)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		if os.Getenv("PGPROV_REQUIRE_SERVER") != "" {
			t.Fatalf("no PostgreSQL server: %v", err)
		}
		t.Skipf("no PostgreSQL server at %s:%s: %v", pgHost(), pgPort(), err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// unique names objects so that parallel or repeated runs do not collide.
func unique(t *testing.T, what string) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return "pgprov_" + what + "_" + hex.EncodeToString(b)
}

type harness struct {
	t     *testing.T
	p     *provider
	admin *pgx.Conn
	ctx   context.Context
}

// explicitProviderInputs are what @pulumi/postgresql's Provider sends: non-string inputs
// JSON-encoded as strings, the password a secret.
func explicitProviderInputs(extra map[string]string) *structpb.Struct {
	in := props{
		"host":           pgHost(),
		"port":           pgPort(),
		"username":       pgUser(),
		"sslmode":        "disable",
		"superuser":      "true",
		"connectTimeout": "30",
		"password":       "x",
		"version":        "3.18.1",
	}
	for k, v := range extra {
		in[k] = v
	}
	return encodeProps(in, map[string]bool{"password": true})
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, p: newProvider(), admin: adminConn(t, "postgres"), ctx: context.Background()}
	h.configure(explicitProviderInputs(nil))
	return h
}

func (h *harness) configure(inputs *structpb.Struct) {
	h.t.Helper()
	resp, err := h.p.CheckConfig(h.ctx, &pulumirpc.CheckRequest{Urn: "urn:pulumi:test::proj::pulumi:providers:postgresql::pg", News: inputs})
	if err != nil || len(resp.GetFailures()) > 0 {
		h.t.Fatalf("CheckConfig: %v %v", err, resp.GetFailures())
	}
	if _, err := h.p.Configure(h.ctx, &pulumirpc.ConfigureRequest{Args: resp.GetInputs(), AcceptSecrets: true}); err != nil {
		h.t.Fatalf("Configure: %v", err)
	}
}

func urnOf(token, name string) string { return "urn:pulumi:test::proj::" + token + "::" + name }

// check runs Check and fails the test on failures.
func (h *harness) check(token, name string, olds *structpb.Struct, news props) *structpb.Struct {
	h.t.Helper()
	resp, fails := h.checkFailures(token, name, olds, news)
	if len(fails) > 0 {
		h.t.Fatalf("Check %s: %v", token, fails)
	}
	return resp
}

func (h *harness) checkFailures(token, name string, olds *structpb.Struct, news props) (*structpb.Struct, []*pulumirpc.CheckFailure) {
	h.t.Helper()
	secrets := map[string]bool{}
	if _, ok := news["password"]; ok {
		secrets["password"] = true
	}
	resp, err := h.p.Check(h.ctx, &pulumirpc.CheckRequest{
		Urn: urnOf(token, name), Olds: olds, News: encodeProps(news, secrets), RandomSeed: []byte(name),
	})
	if err != nil {
		h.t.Fatalf("Check %s: %v", token, err)
	}
	return resp.GetInputs(), resp.GetFailures()
}

type state struct {
	id      string
	inputs  *structpb.Struct
	outputs *structpb.Struct
}

func (s state) out() props { p, _ := decodeProps(s.outputs); return p }

func (h *harness) create(token, name string, news props) state {
	h.t.Helper()
	inputs := h.check(token, name, nil, news)
	resp, err := h.p.Create(h.ctx, &pulumirpc.CreateRequest{Urn: urnOf(token, name), Properties: inputs})
	if err != nil {
		h.t.Fatalf("Create %s: %v", token, err)
	}
	if resp.GetId() == "" {
		h.t.Fatalf("Create %s returned no id", token)
	}
	return state{resp.GetId(), inputs, resp.GetProperties()}
}

func (h *harness) createErr(token, name string, news props) error {
	h.t.Helper()
	inputs := h.check(token, name, nil, news)
	_, err := h.p.Create(h.ctx, &pulumirpc.CreateRequest{Urn: urnOf(token, name), Properties: inputs})
	return err
}

// read refreshes s; found is false when the object is gone.
func (h *harness) read(token, name string, s state) (state, bool) {
	h.t.Helper()
	resp, err := h.p.Read(h.ctx, &pulumirpc.ReadRequest{Urn: urnOf(token, name), Id: s.id, Properties: s.outputs, Inputs: s.inputs})
	if err != nil {
		h.t.Fatalf("Read %s: %v", token, err)
	}
	if resp.GetId() == "" {
		return state{}, false
	}
	return state{resp.GetId(), resp.GetInputs(), resp.GetProperties()}, true
}

func (h *harness) diff(token, name string, s state, news *structpb.Struct) *pulumirpc.DiffResponse {
	h.t.Helper()
	resp, err := h.p.Diff(h.ctx, &pulumirpc.DiffRequest{Urn: urnOf(token, name), Id: s.id, Olds: s.outputs, News: news, OldInputs: s.inputs})
	if err != nil {
		h.t.Fatalf("Diff %s: %v", token, err)
	}
	return resp
}

// update checks news against s, expects an in-place update and applies it.
func (h *harness) update(token, name string, s state, news props) state {
	h.t.Helper()
	inputs := h.check(token, name, s.inputs, news)
	d := h.diff(token, name, s, inputs)
	if d.GetChanges() != pulumirpc.DiffResponse_DIFF_SOME || len(d.GetReplaces()) > 0 {
		h.t.Fatalf("%s: expected an in-place update, got changes=%v replaces=%v", token, d.GetChanges(), d.GetReplaces())
	}
	resp, err := h.p.Update(h.ctx, &pulumirpc.UpdateRequest{Urn: urnOf(token, name), Id: s.id, Olds: s.outputs, News: inputs, OldInputs: s.inputs})
	if err != nil {
		h.t.Fatalf("Update %s: %v", token, err)
	}
	return state{s.id, inputs, resp.GetProperties()}
}

func (h *harness) delete(token, name string, s state) {
	h.t.Helper()
	if _, err := h.p.Delete(h.ctx, &pulumirpc.DeleteRequest{Urn: urnOf(token, name), Id: s.id, Properties: s.outputs, OldInputs: s.inputs}); err != nil {
		h.t.Fatalf("Delete %s: %v", token, err)
	}
}

func (h *harness) query(database, sql string, args ...any) string {
	h.t.Helper()
	conn := h.admin
	if database != "postgres" {
		conn = adminConn(h.t, database)
	}
	var out *string
	if err := conn.QueryRow(h.ctx, sql, args...).Scan(&out); err != nil {
		if err == pgx.ErrNoRows {
			return "<none>"
		}
		h.t.Fatalf("%s: %v", sql, err)
	}
	if out == nil {
		return "<null>"
	}
	return *out
}

func (h *harness) exec(database, sql string) {
	h.t.Helper()
	conn := h.admin
	if database != "postgres" {
		conn = adminConn(h.t, database)
	}
	if _, err := conn.Exec(h.ctx, sql); err != nil {
		h.t.Fatalf("%s: %v", sql, err)
	}
}

// cleanup drops, at the end of the test, the roles and databases named, whatever happened.
func (h *harness) cleanup(databases []string, roles []string) {
	h.t.Cleanup(func() {
		ctx := context.Background()
		for _, db := range databases {
			_, _ = h.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+ident(db)+" WITH (FORCE)")
		}
		for _, r := range roles {
			_, _ = h.admin.Exec(ctx, "DROP OWNED BY "+ident(r))
			_, _ = h.admin.Exec(ctx, "DROP ROLE IF EXISTS "+ident(r))
		}
	})
}

func wantEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

func changedKeys(d *pulumirpc.DiffResponse) string {
	return strings.Join(d.GetDiffs(), ",")
}
