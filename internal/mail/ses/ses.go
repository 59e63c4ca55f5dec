// Package ses sends mail through Amazon SES's v2 API with the AWS SDK for
// Go v2. It is a package of its own so that only the worker links the SDK.
package ses

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

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/apiclient"
	"github.com/todoapp/resetmail/internal/redact"
)

// Config configures New.
type Config struct {
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

// New loads the AWS configuration. It makes no network call.
func New(ctx context.Context, cfg Config) (*SES, error) {
	if cfg.Timeout == 0 {
		cfg.Timeout = apiclient.DefaultTimeout
	}
	if cfg.MaxConnections == 0 {
		cfg.MaxConnections = apiclient.DefaultMaxConnections
	}
	if cfg.Endpoint != "" {
		if err := apiclient.CheckURL(cfg.Endpoint); err != nil {
			return nil, fmt.Errorf("ses: invalid config: endpoint %v", err)
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
		return nil, fmt.Errorf("ses: load AWS configuration: %w", err)
	}
	if awsCfg.Region == "" {
		return nil, errors.New("ses: invalid config: no region (set AWS_REGION)")
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
func (s *SES) Name() string { return mail.ProviderSES }

// Send implements Provider.
func (s *SES) Send(ctx context.Context, m mail.Outgoing) (mail.Receipt, error) {
	data, env, err := mail.ComposeEnvelope(m.Message)
	if err != nil {
		return mail.Receipt{}, mail.ComposeError(mail.ProviderSES, err)
	}
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(env.From),
		Destination:      &types.Destination{ToAddresses: []string{env.To}},
		Content:          &types.EmailContent{Raw: &types.RawMessage{Data: data}},
	}
	if s.cfgSet != "" {
		in.ConfigurationSetName = aws.String(s.cfgSet)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	out, err := s.client.SendEmail(ctx, in)
	if err != nil {
		se := sesError(ctx, err)
		se.Recipient = redact.Email(m.To)
		return mail.Receipt{}, se
	}
	// MessageId is what SES's events carry as mail.messageId.
	return mail.Receipt{Provider: mail.ProviderSES, MessageID: aws.ToString(out.MessageId)}, nil
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
		return text, &mail.SendError{Provider: mail.ProviderSES, Class: mail.ClassConfig, Stage: mail.StageAPI, Text: "sending is paused for this account"}
	}
	return text, nil
}

// sesError classifies an SDK error from its API error code: MessageRejected
// is this message; an unverified MAIL FROM domain, a paused or suspended
// account, a missing configuration set and every signature or credential
// failure are configuration; throttling is throttling.
func sesError(ctx context.Context, err error) *mail.SendError {
	var apiErr smithy.APIError
	var respErr *awshttp.ResponseError
	status := 0
	header := http.Header{}
	if errors.As(err, &respErr) {
		status = respErr.HTTPStatusCode()
		if respErr.Response != nil {
			header = respErr.Response.Header
		}
	}
	if !errors.As(err, &apiErr) {
		if status != 0 {
			se := apiclient.StatusError(mail.ProviderSES, status, header, "", err.Error())
			se.Err = err
			return se
		}
		// No answer at all: the network, or no credentials.
		se := apiclient.TransportError(ctx, mail.ProviderSES, err)
		if se.Class == mail.ClassTransient && isCredentialError(err) {
			se.SetClass(mail.ClassConfig)
			se.Stage = mail.StageAuth
			se.Text = "no usable AWS credentials (check the SDK's credential chain)"
		}
		return se
	}
	se := apiclient.StatusError(mail.ProviderSES, status, header, apiErr.ErrorCode(), apiErr.ErrorMessage())
	se.Err = err
	if se.Text == "" || se.Text == http.StatusText(status) {
		se.Text = apiErr.ErrorCode()
	}
	switch apiErr.ErrorCode() {
	case "MessageRejected", "BadRequestException":
		se.SetClass(mail.ClassRejected)
	case "MailFromDomainNotVerifiedException", "AccountSuspendedException", "SendingPausedException",
		"NotFoundException", "AccessDeniedException", "AccessDenied", "UnrecognizedClientException",
		"InvalidClientTokenId", "SignatureDoesNotMatch", "IncompleteSignature", "InvalidSignatureException",
		"MissingAuthenticationToken", "ExpiredToken", "ExpiredTokenException":
		se.SetClass(mail.ClassConfig)
	case "TooManyRequestsException", "LimitExceededException", "Throttling", "ThrottlingException":
		se.SetClass(mail.ClassThrottled)
	}
	return se
}

// isCredentialError reports the SDK failing to find or refresh credentials.
// The SDK has no exported type for it, only its wording.
func isCredentialError(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "retrieve credentials") || strings.Contains(msg, "refresh cached credentials") ||
		strings.Contains(msg, "no EC2 IMDS role")
}
