package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"sort"
	"strings"

	"github.com/todoapp/resetmail/internal/apperr"
)

// decodeJSONBody reads the request body into dst, which must point to a
// struct (serveJSON calls it before the handler runs). Its errors: 415 when
// the body is not declared as JSON, 413 when it exceeds MAX_BODY_BYTES, and
// 400 invalid_request, with a message that names the problem, for malformed
// JSON, an unknown field, a wrong type or data after the object. Every error
// it returns is an *apperr.Error except for programming mistakes such as a
// nil dst, which become a logged 500.
func decodeJSONBody(r *http.Request, dst any) error {
	if err := checkJSONContentType(r.Header.Get("Content-Type")); err != nil {
		return err
	}
	if r.Body == nil {
		return errEmptyBody()
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return describeDecodeError(err, dst)
	}
	// A second value, or garbage, after the object is refused: it usually
	// means two bodies were concatenated by mistake.
	var extra json.RawMessage
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
		return nil
	case isTooLarge(err):
		return errTooLarge(err)
	default:
		return apperr.New(apperr.CodeInvalidRequest, "The request body must hold exactly one JSON object, with nothing after it.")
	}
}

// checkJSONContentType accepts application/json, with charset utf-8 or no
// charset, and nothing else.
func checkJSONContentType(ct string) error {
	unsupported := apperr.New(apperr.CodeUnsupportedMediaType, "Send the request body as JSON with the header Content-Type: application/json.")
	if ct == "" {
		return unsupported
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return unsupported
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return apperr.New(apperr.CodeUnsupportedMediaType, "Send the request body as UTF-8 JSON (charset=utf-8).")
	}
	return nil
}

func errEmptyBody() *apperr.Error {
	return apperr.New(apperr.CodeInvalidRequest, "The request body is empty; send a JSON object.")
}

func isTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

func errTooLarge(err error) *apperr.Error {
	var mbe *http.MaxBytesError
	limit := int64(0)
	if errors.As(err, &mbe) {
		limit = mbe.Limit
	}
	return tooLargeError(limit)
}

func tooLargeError(limit int64) *apperr.Error {
	return &apperr.Error{
		Code:    apperr.CodeTooLarge,
		Message: fmt.Sprintf("The request body is larger than the %d-byte limit.", limit),
		Details: map[string]any{"limit_bytes": limit},
	}
}

// describeDecodeError turns encoding/json's errors into messages a client
// developer can act on, without echoing Go type names.
func describeDecodeError(err error, dst any) error {
	var (
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		invalid   *json.InvalidUnmarshalError
	)
	switch {
	case errors.Is(err, io.EOF):
		return errEmptyBody()
	case isTooLarge(err):
		return errTooLarge(err)
	case errors.As(err, &invalid):
		return fmt.Errorf("decode JSON: %w", err)
	case errors.As(err, &syntaxErr):
		return apperr.Errorf(apperr.CodeInvalidRequest, "The request body is not valid JSON (error at byte %d).", syntaxErr.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.New(apperr.CodeInvalidRequest, "The request body ends before its JSON is complete.")
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return apperr.New(apperr.CodeInvalidRequest, "The request body must be a JSON object.")
		}
		return &apperr.Error{
			Code:    apperr.CodeInvalidRequest,
			Message: fmt.Sprintf("Field %q must be %s.", typeErr.Field, describeKind(typeErr.Type)),
			Details: map[string]any{"field": typeErr.Field},
		}
	}
	// encoding/json reports an unknown field only through its message.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return &apperr.Error{
			Code:    apperr.CodeInvalidRequest,
			Message: fmt.Sprintf("Unknown field %q. Allowed fields: %s.", name, strings.Join(jsonFields(dst), ", ")),
			Details: map[string]any{"field": name},
		}
	}
	return apperr.New(apperr.CodeInvalidRequest, "The request body is not a valid JSON object for this endpoint.")
}

// describeKind names a JSON type for a Go type, for error messages.
func describeKind(t reflect.Type) string {
	if t == nil {
		return "of another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	default:
		return "of another type"
	}
}

// jsonFields lists the JSON names of dst's struct fields, sorted, so that an
// unknown-field error can say what is allowed.
func jsonFields(dst any) []string {
	t := reflect.TypeOf(dst)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}
