package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"nocobase-platform/toolchain/providers/postgresql/pkg/version"
)

type resourceImpl interface {
	spec() *resourceSpec
	create(ctx context.Context, c *client, plan props) (string, props, error)
	read(ctx context.Context, c *client, id string, prior props) (props, bool, error)
	update(ctx context.Context, c *client, id string, old, plan props) (string, props, error)
	delete(ctx context.Context, c *client, id string, state props) error
	importState(id string) (props, error)
}

type extraChecker interface {
	extraCheck(in props) []checkFailure
}

var resources = map[string]resourceImpl{
	roleSpec.token:     roleResource{},
	databaseSpec.token: databaseResource{},
	schemaSpec.token:   schemaResource{},
	grantSpec.token:    grantResource{},
}

const providerToken = "pulumi:providers:postgresql"

type provider struct {
	pulumirpc.UnimplementedResourceProviderServer

	mu     sync.Mutex
	client *client

	// cancel ends every operation in flight when the engine asks (Cancel).
	ctx    context.Context
	cancel context.CancelFunc
}

func newProvider() *provider {
	ctx, cancel := context.WithCancel(context.Background())
	return &provider{ctx: ctx, cancel: cancel}
}

func pluginVersion() string {
	if version.Version == "" {
		return "0.0.0-dev"
	}
	return strings.TrimPrefix(version.Version, "v")
}

func typeOf(urn string) string {
	// urn:pulumi:stack::project::[parent$]type::name
	parts := strings.Split(urn, "::")
	if len(parts) < 4 {
		return ""
	}
	t := parts[2]
	if i := strings.LastIndex(t, "$"); i >= 0 {
		t = t[i+1:]
	}
	return t
}

func lookup(urn string) (resourceImpl, error) {
	r, ok := resources[typeOf(urn)]
	if !ok {
		return nil, status.Errorf(codes.InvalidArgument, "unrecognized resource type: %s", typeOf(urn))
	}
	return r, nil
}

// opContext ties an operation to the provider's lifetime so that Cancel stops it.
func (p *provider) opContext(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(p.ctx, cancel)
	return ctx, func() { stop(); cancel() }
}

func (p *provider) getClient() (*client, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.client == nil {
		return nil, status.Error(codes.FailedPrecondition, "the postgresql provider is not configured")
	}
	return p.client, nil
}

func (p *provider) Handshake(ctx context.Context, req *pulumirpc.ProviderHandshakeRequest) (*pulumirpc.ProviderHandshakeResponse, error) {
	return &pulumirpc.ProviderHandshakeResponse{AcceptSecrets: true, SupportsAutonamingConfiguration: true}, nil
}

func (p *provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: pluginVersion()}, nil
}

func (p *provider) GetSchema(ctx context.Context, req *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	s, err := packageSchema()
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetSchemaResponse{Schema: s}, nil
}

func (p *provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	p.cancel()
	return &emptypb.Empty{}, nil
}

func checkResponse(inputs *structpb.Struct, failures []checkFailure) *pulumirpc.CheckResponse {
	resp := &pulumirpc.CheckResponse{Inputs: inputs}
	for _, f := range failures {
		resp.Failures = append(resp.Failures, &pulumirpc.CheckFailure{Property: f.property, Reason: f.reason})
	}
	return resp
}

// CheckConfig validates and returns the inputs as they came (JSON strings stay strings: the
// engine diffs and shows these), only making sure the password is a secret.
func (p *provider) CheckConfig(ctx context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	news, secrets := decodeProps(req.GetNews())
	_, failures := decodeConfig(news)
	if len(failures) > 0 {
		return checkResponse(nil, failures), nil
	}
	secrets["password"] = true
	return checkResponse(encodeProps(news, secrets), nil), nil
}

func (p *provider) DiffConfig(ctx context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	oldRaw, _ := decodeProps(req.GetOldInputs())
	if len(oldRaw) == 0 {
		oldRaw, _ = decodeProps(req.GetOlds())
	}
	newRaw, _ := decodeProps(req.GetNews())
	olds, _ := decodeConfig(oldRaw)
	news, _ := decodeConfig(newRaw)
	ignore := ignoreSet(req.GetIgnoreChanges())
	resp := &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE, HasDetailedDiff: true,
		DetailedDiff: map[string]*pulumirpc.PropertyDiff{}}
	for _, pr := range providerProps {
		if ignore[pr.name] {
			continue
		}
		o, n := olds[pr.name], news[pr.name]
		if !containsUnknown(n) && equalProp(pr, o, n) {
			continue
		}
		kind := pulumirpc.PropertyDiff_UPDATE
		if o == nil {
			kind = pulumirpc.PropertyDiff_ADD
		} else if n == nil {
			kind = pulumirpc.PropertyDiff_DELETE
		}
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
		resp.Diffs = append(resp.Diffs, pr.name)
		resp.DetailedDiff[pr.name] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
	}
	return resp, nil
}

func (p *provider) Configure(ctx context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	var raw props
	if req.GetArgs() != nil {
		raw, _ = decodeProps(req.GetArgs())
	} else {
		raw = configFromVariables(req.GetVariables())
	}
	in, failures := decodeConfig(raw)
	if len(failures) > 0 {
		msgs := make([]string, len(failures))
		for i, f := range failures {
			msgs[i] = f.reason
		}
		return nil, status.Error(codes.InvalidArgument, strings.Join(msgs, "; "))
	}
	p.mu.Lock()
	if p.client != nil {
		p.client.close()
	}
	p.client = newClient(resolveConfig(in))
	p.mu.Unlock()
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true, SupportsAutonamingConfiguration: true}, nil
}

func ignoreSet(paths []string) map[string]bool {
	out := map[string]bool{}
	for _, path := range paths {
		key := path
		if i := strings.IndexAny(key, ".["); i >= 0 {
			key = key[:i]
		}
		out[key] = true
	}
	return out
}

func (p *provider) Check(ctx context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	r, err := lookup(req.GetUrn())
	if err != nil {
		return nil, err
	}
	olds, _ := decodeProps(req.GetOlds())
	news, secrets := decodeProps(req.GetNews())
	spec := r.spec()
	in, failures := checkInputs(spec, req.GetUrn(), olds, news, req.GetRandomSeed(), req.GetAutonaming())
	if x, ok := r.(extraChecker); ok {
		failures = append(failures, x.extraCheck(in)...)
	}
	for k := range secretKeys(spec) {
		secrets[k] = true
	}
	return checkResponse(encodeProps(in, secrets), failures), nil
}

func (p *provider) Diff(ctx context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	r, err := lookup(req.GetUrn())
	if err != nil {
		return nil, err
	}
	olds, _ := decodeProps(req.GetOlds())
	news, _ := decodeProps(req.GetNews())
	spec := r.spec()
	changes := diffProps(spec, olds, news, ignoreSet(req.GetIgnoreChanges()))
	resp := &pulumirpc.DiffResponse{
		Changes:         pulumirpc.DiffResponse_DIFF_NONE,
		HasDetailedDiff: true,
		DetailedDiff:    map[string]*pulumirpc.PropertyDiff{},
	}
	for _, c := range changes {
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
		resp.Diffs = append(resp.Diffs, c.name)
		resp.DetailedDiff[c.name] = &pulumirpc.PropertyDiff{Kind: c.kind, InputDiff: true}
		if c.replace {
			resp.Replaces = append(resp.Replaces, c.name)
		}
	}
	resp.DeleteBeforeReplace = len(resp.Replaces) > 0 && spec.deleteBeforeReplace
	return resp, nil
}

func stripMeta(p props) props {
	out := p.copy()
	delete(out, defaultsKey)
	return out
}

// initFailed reports an object that exists although its operation failed, so the engine
// keeps it in the state.
func initFailed(id string, outputs props, secrets map[string]bool, err error) error {
	st := status.New(codes.Unknown, err.Error())
	if withDetails, derr := st.WithDetails(&pulumirpc.ErrorResourceInitFailed{
		Id:         id,
		Properties: encodeProps(outputs, secrets),
		Reasons:    []string{err.Error()},
	}); derr == nil {
		st = withDetails
	}
	return st.Err()
}

func (p *provider) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	r, err := lookup(req.GetUrn())
	if err != nil {
		return nil, err
	}
	spec := r.spec()
	news, _ := decodeProps(req.GetProperties())
	plan := planned(spec, stripMeta(news), nil)
	secrets := secretKeys(spec)
	if req.GetPreview() {
		id := any(unknown)
		return &pulumirpc.CreateResponse{Properties: encodeProps(previewOutputs(spec, id, plan), secrets)}, nil
	}
	c, err := p.getClient()
	if err != nil {
		return nil, err
	}
	ctx, done := p.opContext(ctx)
	defer done()
	id, read, err := r.create(ctx, c, plan)
	if err != nil {
		if id != "" {
			return nil, initFailed(id, finish(spec, id, nil, plan), secrets, err)
		}
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: encodeProps(finish(spec, id, read, plan), secrets)}, nil
}

// currentID is the object's name on the server now: the outputs' id follows a rename, which
// the engine's resource id cannot (the bridge would refresh under the old name and lose it).
func currentID(reqID string, state props) string {
	if id, ok := state["id"].(string); ok && id != "" {
		return id
	}
	return reqID
}

func (p *provider) Read(ctx context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	r, err := lookup(req.GetUrn())
	if err != nil {
		return nil, err
	}
	spec := r.spec()
	state, _ := decodeProps(req.GetProperties())
	inputs, inputSecrets := decodeProps(req.GetInputs())
	importing := len(state) == 0
	if importing {
		if state, err = r.importState(req.GetId()); err != nil {
			return nil, err
		}
	}
	c, err := p.getClient()
	if err != nil {
		return nil, err
	}
	ctx, done := p.opContext(ctx)
	defer done()
	id := currentID(req.GetId(), state)
	read, found, err := r.read(ctx, c, id, state)
	if err != nil {
		return nil, err
	}
	if !found {
		return &pulumirpc.ReadResponse{}, nil
	}
	secrets := secretKeys(spec)
	// A refresh keeps the state's view of what the program alone knows (template, skip* flags).
	base := props{}
	for _, pr := range spec.props {
		base[pr.name] = state[pr.name]
	}
	outs := finish(spec, id, read, base)
	// The refreshed inputs are the old ones, each taking the value just read, as the bridge's
	// ExtractInputsFromOutputs does for a refresh; an import gets every input property.
	newInputs := props{}
	if importing {
		for _, pr := range spec.props {
			if v := outs[pr.name]; v != nil && !pr.writeOnly {
				newInputs[pr.name] = v
			}
		}
	} else {
		for k, v := range inputs {
			if o, ok := outs[k]; ok && k != "id" && spec.prop(k) != nil && !spec.prop(k).writeOnly {
				v = o
			}
			newInputs[k] = v
		}
	}
	for k := range secrets {
		inputSecrets[k] = true
	}
	return &pulumirpc.ReadResponse{
		Id:         id,
		Properties: encodeProps(outs, secrets),
		Inputs:     encodeProps(newInputs, inputSecrets),
	}, nil
}

func (p *provider) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	r, err := lookup(req.GetUrn())
	if err != nil {
		return nil, err
	}
	spec := r.spec()
	olds, _ := decodeProps(req.GetOlds())
	news, _ := decodeProps(req.GetNews())
	news = stripMeta(news)
	for k := range ignoreSet(req.GetIgnoreChanges()) {
		if v, ok := olds[k]; ok {
			news[k] = v
		} else {
			delete(news, k)
		}
	}
	plan := planned(spec, news, olds)
	secrets := secretKeys(spec)
	id := currentID(req.GetId(), olds)
	if req.GetPreview() {
		return &pulumirpc.UpdateResponse{Properties: encodeProps(previewOutputs(spec, id, plan), secrets)}, nil
	}
	c, err := p.getClient()
	if err != nil {
		return nil, err
	}
	ctx, done := p.opContext(ctx)
	defer done()
	newID, read, err := r.update(ctx, c, id, olds, plan)
	if err != nil {
		// The engine keeps the old state; the next refresh sees any step that did go through.
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: encodeProps(finish(spec, newID, read, plan), secrets)}, nil
}

func (p *provider) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	r, err := lookup(req.GetUrn())
	if err != nil {
		return nil, err
	}
	state, _ := decodeProps(req.GetProperties())
	c, err := p.getClient()
	if err != nil {
		return nil, err
	}
	ctx, done := p.opContext(ctx)
	defer done()
	if err := r.delete(ctx, c, currentID(req.GetId(), state), state); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

func (p *provider) GetMapping(ctx context.Context, req *pulumirpc.GetMappingRequest) (*pulumirpc.GetMappingResponse, error) {
	return &pulumirpc.GetMappingResponse{}, nil
}

func (p *provider) GetMappings(ctx context.Context, req *pulumirpc.GetMappingsRequest) (*pulumirpc.GetMappingsResponse, error) {
	return &pulumirpc.GetMappingsResponse{}, nil
}

// packageSchema describes the resources this provider implements, with the tokens, property
// names, types, secrets and replacement rules of pulumi-postgresql 3.18.1.
func packageSchema() (string, error) {
	propSchema := func(p prop) map[string]any {
		s := map[string]any{}
		switch p.kind {
		case kString:
			s["type"] = "string"
		case kBool:
			s["type"] = "boolean"
		case kInt:
			s["type"] = "integer"
		case kList, kSet:
			s["type"] = "array"
			s["items"] = map[string]any{"type": "string"}
		case kObjectSet:
			s["type"] = "array"
			s["items"] = map[string]any{"$ref": "#/types/" + p.objectType}
		case kObject:
			s["$ref"] = "#/types/" + p.objectType
		}
		if p.secret {
			s["secret"] = true
		}
		if p.deprecated != "" {
			s["deprecationMessage"] = p.deprecated
		}
		return s
	}
	objectType := func(fields []prop) map[string]any {
		ps := map[string]any{}
		var required []string
		for _, f := range fields {
			ps[f.name] = propSchema(f)
			if f.required {
				required = append(required, f.name)
			}
		}
		t := map[string]any{"type": "object", "properties": ps}
		if len(required) > 0 {
			t["required"] = required
		}
		return t
	}
	resourcesSchema := map[string]any{}
	names := make([]string, 0, len(resources))
	for tok := range resources {
		names = append(names, tok)
	}
	sort.Strings(names)
	for _, tok := range names {
		spec := resources[tok].spec()
		outputs, inputs := map[string]any{}, map[string]any{}
		var required, requiredInputs []string
		for _, pr := range spec.props {
			outputs[pr.name] = propSchema(pr)
			in := propSchema(pr)
			if pr.forceNew {
				in["willReplaceOnChanges"] = true
			}
			inputs[pr.name] = in
			if pr.required || pr.computed {
				required = append(required, pr.name)
			}
			if pr.required && !pr.autoname {
				requiredInputs = append(requiredInputs, pr.name)
			}
		}
		sort.Strings(required)
		sort.Strings(requiredInputs)
		res := map[string]any{"properties": outputs, "inputProperties": inputs, "required": required}
		if len(requiredInputs) > 0 {
			res["requiredInputs"] = requiredInputs
		}
		resourcesSchema[tok] = res
	}
	cfgVars, provIn := map[string]any{}, map[string]any{}
	for _, pr := range providerProps {
		s := propSchema(pr)
		provIn[pr.name] = s
		v := propSchema(pr)
		if pr.kind == kObject {
			v["$ref"] = "#/types/postgresql:config/clientcert:clientcert"
		}
		cfgVars[pr.name] = v
	}
	provIn["connectTimeout"].(map[string]any)["default"] = 180
	cfgVars["connectTimeout"].(map[string]any)["default"] = 180
	clientcert := objectType(providerProp("clientcert").fields)
	pkg := map[string]any{
		"name":        "postgresql",
		"version":     pluginVersion(),
		"description": "A Pulumi package for creating and managing postgresql cloud resources.",
		"meta":        map[string]any{"moduleFormat": "(.*)(?:/[^/]*)"},
		"config":      map[string]any{"variables": cfgVars},
		"provider":    map[string]any{"properties": provIn, "inputProperties": provIn},
		"resources":   resourcesSchema,
		"types": map[string]any{
			"postgresql:config/clientcert:clientcert":                clientcert,
			"postgresql:index/ProviderClientcert:ProviderClientcert": clientcert,
			"postgresql:index/SchemaPolicy:SchemaPolicy":             objectType(schemaPolicyFields),
		},
		"language": map[string]any{"nodejs": map[string]any{"packageName": "@pulumi/postgresql"}},
	}
	b, err := json.Marshal(pkg)
	if err != nil {
		return "", fmt.Errorf("encoding the schema: %w", err)
	}
	return string(b), nil
}
