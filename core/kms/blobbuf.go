package kms

import (
	"sync"

	pb "github.com/pocketkms/pocketkms/core/kmspb"
)

// Advance blobs are the one allocation of an AdvanceEncrypt that grows with
// the plaintext. When CallProtoMeta encodes the response, the blob is dead
// the moment it is copied into the encoding, so its buffer is kept for the
// next call instead of left to the garbage collector: inside WebAssembly a
// fresh 6 KiB buffer costs about 3 µs (span refills and clearing, single
// threaded), a tenth of the whole call. Only buffers of a size worth keeping
// are kept, and only a few: this is a cache, not a pool of every size.
const (
	minKeptBlob = 1 << 10
	maxKeptBlob = 64 << 10
	keptBlobs   = 4
)

var blobBuffers struct {
	mu   sync.Mutex
	bufs [][]byte
}

// blobBuffer returns an empty buffer with room for n bytes, a kept one when
// one is large enough. Its old contents are ciphertext, never secret, and
// are overwritten.
func blobBuffer(n int) []byte {
	if n >= minKeptBlob && n <= maxKeptBlob {
		blobBuffers.mu.Lock()
		for i, b := range blobBuffers.bufs {
			if cap(b) >= n {
				last := len(blobBuffers.bufs) - 1
				blobBuffers.bufs[i] = blobBuffers.bufs[last]
				blobBuffers.bufs[last] = nil
				blobBuffers.bufs = blobBuffers.bufs[:last]
				blobBuffers.mu.Unlock()
				return b[:0]
			}
		}
		blobBuffers.mu.Unlock()
	}
	return make([]byte, 0, n)
}

// keepBlob takes back the blob of a response that has just been encoded
// and will not be read again.
func keepBlob(resp pb.Message) {
	r, ok := resp.(*pb.AdvanceEncryptResponse)
	if !ok || cap(r.CiphertextBlob) < minKeptBlob || cap(r.CiphertextBlob) > maxKeptBlob {
		return
	}
	b := r.CiphertextBlob[:0]
	r.CiphertextBlob = nil
	blobBuffers.mu.Lock()
	if len(blobBuffers.bufs) < keptBlobs {
		blobBuffers.bufs = append(blobBuffers.bufs, b)
	}
	blobBuffers.mu.Unlock()
}
