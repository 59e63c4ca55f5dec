package httpapi

import "encoding/json"

// nullable is a JSON field that tells "absent" from "null" from a value,
// which a partial update (PATCH) needs: absent keeps the stored value, while
// an explicit null is refused with a clear message instead of being read as
// a zero value.
type nullable[T any] struct {
	// Set is true when the field appeared in the body.
	Set bool
	// Null is true when it appeared as null.
	Null bool
	// Value is the decoded value when Set and not Null.
	Value T
}

// UnmarshalJSON implements json.Unmarshaler. encoding/json calls it only
// for fields present in the body.
func (n *nullable[T]) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.Null = true
		return nil
	}
	return json.Unmarshal(b, &n.Value)
}

// ptr returns the value's address when it was given, or nil.
func (n *nullable[T]) ptr() *T {
	if !n.Set || n.Null {
		return nil
	}
	return &n.Value
}
