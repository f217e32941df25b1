package seed

import (
	"context"
	"strings"
	"testing"

	"github.com/pocketkms/pocketkms/core/kms"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
)

func getSecret(t *testing.T, m store.Backend, name, stage string) *pb.GetSecretValueResponse {
	t.Helper()
	resp, err := kms.New(m, kms.NewConfig()).Call("GetSecretValue", &pb.GetSecretValueRequest{SecretName: name, VersionStage: stage})
	if err != nil {
		t.Fatal(err)
	}
	return resp.(*pb.GetSecretValueResponse)
}

// TestApplySecrets: the Secrets list applies like Keys: atomically and
// idempotently, adding what is missing and never undoing later changes.
func TestApplySecrets(t *testing.T) {
	f, err := Load("testdata/secrets.json")
	if err != nil {
		t.Fatal(err)
	}
	m := store.NewMemory()
	s, err := Apply(context.Background(), m, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Committed || len(s.SecretsImported) != 3 {
		t.Fatalf("first apply: %+v", s)
	}
	if g := getSecret(t, m, "prod/db", ""); g.SecretData != "s3cret" || g.VersionId != "v2" {
		t.Fatalf("ACSCurrent: %+v", g)
	}
	if g := getSecret(t, m, "prod/db", "ACSPrevious"); g.SecretData != "old" {
		t.Fatalf("ACSPrevious: %+v", g)
	}
	if g := getSecret(t, m, "prod/tls-key", ""); g.SecretDataType != "binary" || g.SecretData != "AAECAwQ=" || len(g.VersionStages) != 1 {
		t.Fatalf("a single version gets ACSCurrent: %+v", g)
	}
	d, err := kms.New(m, kms.NewConfig()).Call("DescribeSecret", &pb.SecretNameRequest{SecretName: "prod/db"})
	if err != nil || d.(*pb.Secret).ExtendedConfig != `{"CustomData":{"owner":"team-a"}}` || d.(*pb.Secret).EncryptionKeyId == "" {
		t.Fatalf("DescribeSecret: %v %v", d, err)
	}

	s, err = Apply(context.Background(), m, f, nil)
	if err != nil || s.Committed || len(s.SecretsExisting) != 3 {
		t.Fatalf("second apply: %+v %v", s, err)
	}

	// A version put since keeps its ACSCurrent through a restart, and a
	// version the file adds later arrives without taking it.
	e := kms.New(m, kms.NewConfig())
	if _, err := e.Call("PutSecretValue", &pb.PutSecretValueRequest{SecretName: "prod/db", VersionId: "v3", SecretData: "rotated"}); err != nil {
		t.Fatal(err)
	}
	f.Secrets[0].Versions = append(f.Secrets[0].Versions, &pb.ImportedSecretVersion{VersionId: "v4", SecretData: "later", VersionStages: []string{"ACSCurrent", "Next"}})
	s, err = Apply(context.Background(), m, f, nil)
	if err != nil || !s.Committed || s.SecretVersionsAdded != 1 {
		t.Fatalf("third apply: %+v %v", s, err)
	}
	if g := getSecret(t, m, "prod/db", ""); g.VersionId != "v3" {
		t.Fatalf("the seed took ACSCurrent from the version put since: %+v", g)
	}
	if g := getSecret(t, m, "prod/db", "Next"); g.VersionId != "v4" {
		t.Fatalf("a free stage is placed: %+v", g)
	}

	// A seeded version whose value changed in the file is an error, and
	// nothing is written.
	f.Secrets[0].Versions[0].SecretData = "changed"
	before := snapshotSeed(m)
	if _, err := Apply(context.Background(), m, f, nil); err == nil || !strings.Contains(err.Error(), "Secrets[0]") || !strings.Contains(err.Error(), "v1") {
		t.Fatalf("changed value: %v", err)
	}
	if snapshotSeed(m) != before {
		t.Fatal("a failed apply wrote")
	}
}

func snapshotSeed(m *store.Memory) string {
	var b strings.Builder
	names, _ := m.List("")
	for _, n := range names {
		v, _, _ := m.Get(n)
		b.WriteString(n + "=" + string(v) + "\n")
	}
	return b.String()
}

// TestParseSecretErrors: a bad entry is refused at Load, naming the field
// and never quoting the value.
func TestParseSecretErrors(t *testing.T) {
	rows := []struct{ doc, field, says string }{
		{`{"Secrets":[{"Versions":[{"VersionId":"v1","SecretData":"x"}]}]}`, "Secrets[0].SecretName", "required"},
		{`{"Secrets":[{"SecretName":"a","Versions":[]}]}`, "Secrets[0].Versions", "at least one"},
		{`{"Secrets":[{"SecretName":"a","Versions":[{"SecretData":"hunter2"}]}]}`, "Secrets[0].Versions[0].VersionId", "required"},
		{`{"Secrets":[{"SecretName":"a","Versions":[{"VersionId":"v1","SecretData":"hunter2","SecretDataType":"blob"}]}]}`, "Secrets[0].Versions[0].SecretDataType", "text"},
		{`{"Secrets":[{"SecretName":"a","Colour":"red","Versions":[]}]}`, "Secrets[0]", "Colour"},
		{`{"Secrets":[{"SecretName":"a","RotationInterval":"1h","Versions":[{"VersionId":"v1","SecretData":"x"}]}]}`, "Secrets[0].RotationInterval", "6h"},
		{`{"Secrets":[{"SecretName":"a","ExtendedConfig":[1],"Versions":[{"VersionId":"v1","SecretData":"x"}]}]}`, "Secrets[0].ExtendedConfig", "object"},
		{`{"Secrets":[{"SecretName":"a b","Versions":[{"VersionId":"v1","SecretData":"hunter2"}]}]}`, "Secrets[0]", "SecretName"},
		{`{"Secrets":[{"SecretName":"r","SecretType":"Rds","Versions":[{"VersionId":"v1","SecretData":"hunter2"}]}]}`, "Secrets[0]", "JSON object"},
		{`{"Secrets":[{"SecretName":"a","Versions":[{"VersionId":"v1","SecretData":"x"}]},{"SecretName":"a","Versions":[{"VersionId":"v1","SecretData":"x"}]}]}`, "Secrets[1].SecretName", "also Secrets[0]"},
		{`{"Secrets":[{"SecretName":"a","Versions":[{"VersionId":"v1","SecretData":7}]}]}`, "Secrets[0].Versions.SecretData", "string"},
	}
	for _, r := range rows {
		_, err := Parse("t.json", []byte(r.doc))
		if err == nil {
			t.Errorf("%s: accepted", r.doc)
			continue
		}
		se, ok := err.(*Error)
		if !ok || se.Field != r.field || !strings.Contains(se.Msg, r.says) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: got %v (field %q), want field %s saying %q", r.doc, err, se.Field, r.field, r.says)
		}
	}
}
