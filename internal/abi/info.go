package abi

import (
	"encoding/json"
	"fmt"
)

// Info is pkms_info's answer.
type Info struct {
	Name       string   `json:"name"`
	Version    string   `json:"version"`
	ABI        int      `json:"abi"`
	Operations []string `json:"operations"`
	// Exports are the operations the module also exports under their own
	// name, (req_ptr, req_len, format i32) -> i64: pkms_call without the api
	// argument. They are the instance API's data operations.
	Exports    []string `json:"exports"`
	Algorithms []string `json:"algorithms"`
}

// ParseInfo reads pkms_info's JSON and refuses a module that is not
// pocketkms or speaks another ABI version: its exports, imports or
// encodings would not be the ones this host uses.
func ParseInfo(b []byte) (Info, error) {
	var in Info
	if err := json.Unmarshal(b, &in); err != nil {
		return Info{}, fmt.Errorf("pkms_info is not valid JSON: %v", err)
	}
	if in.Name != "pocketkms" {
		return Info{}, fmt.Errorf("pkms_info names the module %q, not pocketkms", in.Name)
	}
	if in.ABI != Version {
		return Info{}, fmt.Errorf("the module speaks ABI %d and this host ABI %d: use a module and a host from the same pocketkms release", in.ABI, Version)
	}
	return in, nil
}
