package store_test

import (
	"testing"

	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/core/store/storetest"
)

func TestMemoryConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Backend { return store.NewMemory() })
}
