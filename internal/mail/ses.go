package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"
)

// SESConfig configures NewSES.
type SESConfig struct {
	// Region is AWS_REGION. Default "" leaves it to the SDK's default
	// chain (AWS_REGION, AWS_DEFAULT_REGION, the shared config file).
	Region string
	// Endpoint is AWS_ENDPOINT_URL_SESV2, the SDK's own override. Default ""
	// uses the regional endpoint. Passed explicitly so that the value the
	// worker read is the value used.
	Endpoint string
	// ConfigurationSet is SES_CONFIGURATION_SET. Default "" sends none.
	ConfigurationSet string
	// Timeout bounds each call, within the caller's deadline. Default 30s.
	Timeout time.Duration
	// MaxConnections caps the idle connections kept for reuse. Default 100.
	MaxConnections int
	// RootCAs verifies the endpoint's certificate. Default nil: system roots.
	RootCAs *x509.CertPool
	// Credentials overrides the SDK's default credential chain (environment,
	// shared files, SSO, web identity, container and instance roles).
	// Default nil uses that chain, which is what deployments want.
	Credentials aws.CredentialsProvider
}

// SES sends through Amazon SES's v2 API with the AWS SDK for Go v2, which
// signs every request (SigV4) and finds credentials the standard way. The
// message goes as raw RFC 5322 bytes from Compose, so SES delivers exactly
// what SMTP would.
type SES struct {
	client  *sesv2.Client
	cfgSet  string
	timeout time.Duration
}

// NewSES loads the AWS configuration. It makes no network call.
func NewSES(ctx context.Context, cfg SESConfig) (*SES, error) {
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultAPITimeout
	}
	if cfg.MaxConnections == 0 {
		cfg.MaxConnections = DefaultAPIMaxConnections
	}
	if cfg.Endpoint != "" {
		if err := CheckAPIURL(cfg.Endpoint); err != nil {
			return nil, fmt.Errorf("mail: invalid ses config: endpoint %v", err)
		}
	}
	// The SDK's own buildable client, so that AWS_CA_BUNDLE still works,
	// with the same keep-alive pool and TLS floor as the other providers.
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.MaxIdleConns = cfg.MaxConnections
		tr.MaxIdleConnsPerHost = cfg.MaxConnections
		tr.IdleConnTimeout = 90 * time.Second
		if tr.TLSClientConfig == nil {
			tr.TLSClientConfig = &tls.Config{}
		}
		tr.TLSClientConfig.MinVersion = tls.VersionTLS12
		tr.TLSClientConfig.ClientSessionCache = tls.NewLRUClientSessionCache(cfg.MaxConnections)
		if cfg.RootCAs != nil {
			tr.TLSClientConfig.RootCAs = cfg.RootCAs
		}
	})
	opts := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithHTTPClient(httpClient),
	}
	if cfg.Region != "" {
		opts = append(opts, awsconfig.WithRegion(cfg.Region))
	}
	if cfg.Credentials != nil {
		opts = append(opts, awsconfig.WithCredentialsProvider(cfg.Credentials))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("mail: load AWS configuration: %w", err)
	}
	if awsCfg.Region == "" {
		return nil, errors.New("mail: invalid ses config: no region (set AWS_REGION)")
	}
	client := sesv2.NewFromConfig(awsCfg, func(o *sesv2.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		// The job queue retries with its own classification and backoff;
		// SDK retries inside a job would eat its deadline.
		o.Retryer = aws.NopRetryer{}
	})
	return &SES{client: client, cfgSet: cfg.ConfigurationSet, timeout: cfg.Timeout}, nil
}

// Name implements Provider.
func (s *SES) Name() string { return ProviderSES }

// Send implements Provider.
func (s *SES) Send(ctx context.Context, m Outgoing) error {
	data, err := Compose(m.Message)
	if err != nil {
		return composeError(ProviderSES, err)
	}
	from, err := EnvelopeAddress(m.From)
	if err != nil {
		return composeError(ProviderSES, err)
	}
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(from),
		Destination:      &types.Destination{ToAddresses: []string{m.To}},
		Content:          &types.EmailContent{Raw: &types.RawMessage{Data: data}},
	}
	if s.cfgSet != "" {
		in.ConfigurationSetName = aws.String(s.cfgSet)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if _, err := s.client.SendEmail(ctx, in); err != nil {
		se := sesError(ctx, err)
		se.Recipient = maskAddresses(m.To)
		return se
	}
	return nil
}

// Check reads the account without sending: GetAccount reports whether the
// account is still in the sandbox, whether sending is enabled, and its quota.
func (s *SES) Check(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	out, err := s.client.GetAccount(ctx, &sesv2.GetAccountInput{})
	if err != nil {
		return "", sesError(ctx, err)
	}
	mode := "production access"
	if !out.ProductionAccessEnabled {
		mode = "SANDBOX (only verified recipients)"
	}
	text := fmt.Sprintf("account %s, sending enabled: %t", mode, out.SendingEnabled)
	if q := out.SendQuota; q != nil {
		text += fmt.Sprintf(", quota %.0f/24h (%.0f sent), max %.0f/s", q.Max24HourSend, q.SentLast24Hours, q.MaxSendRate)
	}
	if out.EnforcementStatus != nil {
		text += ", enforcement " + *out.EnforcementStatus
	}
	if !out.SendingEnabled {
		return text, &SendError{Provider: ProviderSES, Class: ClassConfig, Stage: StageAPI, Text: "sending is paused for this account"}
	}
	return text, nil
}

// sesError classifies an SDK error from its API error code: MessageRejected
// is this message; an unverified MAIL FROM domain, a paused or suspended
// account, a missing configuration set and every signature or credential
// failure are configuration; throttling is throttling.
func sesError(ctx context.Context, err error) *SendError {
	se := &SendError{Provider: ProviderSES, Stage: StageAPI, Err: err}
	var apiErr smithy.APIError
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) {
		se.Code = respErr.HTTPStatusCode()
		if respErr.Response != nil {
			se.RetryAfter = retryAfter(respErr.Response.Header, time.Now())
		}
	}
	if !errors.As(err, &apiErr) {
		if se.Code == 0 {
			// No answer at all: the network, or no credentials.
			c := &apiClient{provider: ProviderSES}
			t := c.transportError(ctx, err)
			t.Err = err
			if t.Class == ClassTransient && isCredentialError(err) {
				t.Class, t.Temporary, t.Stage = ClassConfig, false, StageAuth
				t.Text = "no usable AWS credentials: " + describe(err)
			}
			return t
		}
		return (&apiClient{provider: ProviderSES}).statusError(&apiResponse{status: se.Code, header: http.Header{}}, "", describe(err))
	}
	se.EnhancedCode = apiErr.ErrorCode()
	se.Text = maskAddresses(oneLine(apiErr.ErrorMessage()))
	if se.Text == "" {
		se.Text = apiErr.ErrorCode()
	}
	switch apiErr.ErrorCode() {
	case "MessageRejected", "BadRequestException":
		se.Class = ClassRejected
	case "MailFromDomainNotVerifiedException", "AccountSuspendedException", "SendingPausedException",
		"NotFoundException", "AccessDeniedException", "AccessDenied", "UnrecognizedClientException",
		"InvalidClientTokenId", "SignatureDoesNotMatch", "IncompleteSignature", "InvalidSignatureException",
		"MissingAuthenticationToken", "ExpiredToken", "ExpiredTokenException":
		se.Class = ClassConfig
	case "TooManyRequestsException", "LimitExceededException", "Throttling", "ThrottlingException":
		se.Class = ClassThrottled
	default:
		switch {
		case se.Code == http.StatusServiceUnavailable:
			se.Class = ClassOutage
		case se.Code == http.StatusTooManyRequests:
			se.Class = ClassThrottled
		case se.Code == http.StatusUnauthorized || se.Code == http.StatusForbidden:
			se.Class = ClassConfig
		case se.Code >= 500 || se.Code == 0:
			se.Class = ClassTransient
		default:
			se.Class = ClassRejected
		}
	}
	se.Temporary = se.Class == ClassTransient || se.Class == ClassOutage || se.Class == ClassThrottled
	return se
}

// isCredentialError reports the SDK failing to find or refresh credentials.
// The SDK has no exported type for it, only its wording.
func isCredentialError(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "retrieve credentials") || strings.Contains(msg, "refresh cached credentials") ||
		strings.Contains(msg, "no EC2 IMDS role")
}
