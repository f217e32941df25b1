package kms

import (
	"slices"

	"github.com/pocketkms/pocketkms/core/kmserr"
)

// Stage rules (spec §6, §10.6): a label marks at most one version, a
// version carries any number of labels. Moving ACSCurrent to another version
// gives the version that had it ACSPrevious, whether the move comes from
// PutSecretValue, UpdateSecretVersionStage or a rotation. These functions
// change only the versions' Stages; TestStageRules tables them.

// stageOwner is the index of the version that carries stage, or -1.
func stageOwner(vs []secretVersion, stage string) int {
	for i := range vs {
		if slices.Contains(vs[i].Stages, stage) {
			return i
		}
	}
	return -1
}

func removeStage(v *secretVersion, stage string) {
	v.Stages = slices.DeleteFunc(v.Stages, func(s string) bool { return s == stage })
	if len(v.Stages) == 0 {
		v.Stages = nil
	}
}

// attachStage puts stage on vs[to], taking it from the version that had it.
func attachStage(vs []secretVersion, stage string, to int) {
	from := stageOwner(vs, stage)
	if from == to {
		return
	}
	if from >= 0 {
		removeStage(&vs[from], stage)
		if stage == StageCurrent {
			attachStage(vs, StagePrevious, from)
		}
	}
	vs[to].Stages = append(vs[to].Stages, stage)
}

// trimVersions drops the oldest versions without a stage until at most
// maxVersions remain.
func trimVersions(vs []secretVersion) []secretVersion {
	for len(vs) > maxVersions {
		i := slices.IndexFunc(vs, func(v secretVersion) bool { return len(v.Stages) == 0 })
		if i < 0 {
			return vs
		}
		vs = slices.Delete(vs, i, i+1)
	}
	return vs
}

// checkStages validates the stages a new version asks for.
func checkStages(stages []string) ([]string, error) {
	if len(stages) == 0 {
		return []string{StageCurrent}, nil
	}
	for i, s := range stages {
		if err := checkLabel("VersionStages", s); err != nil {
			return nil, err
		}
		if slices.Contains(stages[:i], s) {
			return nil, kmserr.InvalidParameter("VersionStages lists %s twice", s)
		}
	}
	return stages, nil
}

// addSecretVersion appends v with the given stages to s, applying the stage and
// version-limit rules.
// The caller discards s on an error.
func addSecretVersion(s *secretRecord, v secretVersion, stages []string) error {
	v.Stages = nil
	s.Versions = append(s.Versions, v)
	for _, st := range stages {
		attachStage(s.Versions, st, len(s.Versions)-1)
	}
	if s.Versions = trimVersions(s.Versions); len(s.Versions) > maxVersions {
		return kmserr.New(400, codeLimitExceeded, "The secret %s has %d versions, all with stages: remove a stage from one first.", s.SecretName, maxVersions)
	}
	return nil
}
