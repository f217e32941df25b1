package kms

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pocketkms/pocketkms/internal/require"
)

// versions builds a version list from "id:stage,stage" items.
func versions(items ...string) []secretVersion {
	var vs []secretVersion
	for _, it := range items {
		id, stages, _ := strings.Cut(it, ":")
		v := secretVersion{VersionId: id}
		if stages != "" {
			v.Stages = strings.Split(stages, ",")
		}
		vs = append(vs, v)
	}
	return vs
}

func render(vs []secretVersion) string {
	var out []string
	for _, v := range vs {
		out = append(out, v.VersionId+":"+strings.Join(v.Stages, ","))
	}
	return strings.Join(out, " ")
}

// TestStageRules: each label on exactly one version; putting or moving
// ACSCurrent demotes the old ACSCurrent to ACSPrevious (spec §10.6).
func TestStageRules(t *testing.T) {
	rows := []struct {
		name   string
		before []string
		put    string   // new version id; "" moves stage to an existing one
		stages []string // for put; stage[0] is moved otherwise
		to     string
		want   string
	}{
		{"put demotes current", []string{"v1:ACSCurrent"}, "v2", []string{"ACSCurrent"}, "", "v1:ACSPrevious v2:ACSCurrent"},
		{"put moves previous off the older version", []string{"v1:ACSPrevious", "v2:ACSCurrent"}, "v3", []string{"ACSCurrent"}, "", "v1: v2:ACSPrevious v3:ACSCurrent"},
		{"put with a custom label keeps current", []string{"v1:ACSCurrent"}, "v2", []string{"MyPendingLabel"}, "", "v1:ACSCurrent v2:MyPendingLabel"},
		{"put with two labels", []string{"v1:ACSCurrent,Blue"}, "v2", []string{"ACSCurrent", "Blue"}, "", "v1:ACSPrevious v2:ACSCurrent,Blue"},
		{"move current back", []string{"v1:ACSPrevious", "v2:ACSCurrent"}, "", []string{"ACSCurrent"}, "v1", "v1:ACSCurrent v2:ACSPrevious"},
		{"move current to its own version", []string{"v1:ACSCurrent"}, "", []string{"ACSCurrent"}, "v1", "v1:ACSCurrent"},
		{"move a custom label", []string{"v1:ACSCurrent,Green", "v2:"}, "", []string{"Green"}, "v2", "v1:ACSCurrent v2:Green"},
		{"move a label nobody has", []string{"v1:ACSCurrent", "v2:"}, "", []string{"Red"}, "v2", "v1:ACSCurrent v2:Red"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			s := &secretRecord{SecretName: "s", Versions: versions(r.before...)}
			if r.put != "" {
				require.NoError(t, addSecretVersion(s, secretVersion{VersionId: r.put}, r.stages))
			} else {
				attachStage(s.Versions, r.stages[0], s.version(r.to))
			}
			require.Equal(t, r.want, render(s.Versions))
		})
	}
}

// TestVersionLimit: past 100 versions the oldest unlabelled one goes; when
// every version has a label, the put is refused.
func TestVersionLimit(t *testing.T) {
	s := &secretRecord{SecretName: "s"}
	for i := 1; i <= 105; i++ {
		require.NoError(t, addSecretVersion(s, secretVersion{VersionId: fmt.Sprint("v", i)}, []string{StageCurrent}))
	}
	require.Equal(t, maxVersions, len(s.Versions))
	require.Equal(t, "v6", s.Versions[0].VersionId, "v1 to v5 went first")
	require.Equal(t, "v104:ACSPrevious v105:ACSCurrent", render(s.Versions[98:]))

	full := &secretRecord{SecretName: "s"}
	for i := 1; i <= maxVersions; i++ {
		full.Versions = append(full.Versions, secretVersion{VersionId: fmt.Sprint("v", i), Stages: []string{fmt.Sprint("L", i)}})
	}
	err := addSecretVersion(full, secretVersion{VersionId: "new"}, []string{"Extra"})
	require.True(t, err != nil && strings.Contains(err.Error(), codeLimitExceeded), err)
}
