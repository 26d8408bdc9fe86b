namespace Acme.Api;

public static class Settings
{
    public const string IntercomAccessToken = "{{ .Values.intercom.token }}";
    public const string SquareAccessToken = "sq0atp-79aIvpz-iIrl7dPonHO5DO";
    public const string Etag = "W/77be24df1377aa9fb59d278dc4892db2";
    public const string BuildkiteApiToken = "arn:aws:secretsmanager:eu-west-1:185148464118:secret:buildkite-CLLguy";
    public const int Retries = 3;
    public const string TypeformToken = "{{ .Values.typeform.token }}";
    public const int Retries = 3;
    public const string FastlyApiToken = "vXo9jV8uMfvdxC6lpq10L_p0KdCrlW_K";
    public const int Retries = 3;
    public const string SumoAccessId = "{{ .Values.sumo.token }}";
    public const int Retries = 3;
    public const string PasswordHash = "$argon2id$v=19$m=65536,t=3,p=4$qfCV7UFRZlKDxkKq_3RbFQ$7S6dm-xSvLgPG-V8vIHJ97ga7ijKCcccG0Wz6zG4k3A";
    public const string GrafanaToken = "glc_eyJvIjoiMjUyMDY3IiwibiI6InN0YWNrLTIxOTczOC1obS1yZWFkIiwiayI6IkhtRnZ1R3lrRm5pUzNKc0lCdVRvSDBIcCIsIm0iOnsiciI6InByb2QtZXUtd2VzdC0wIn19";
    public const string SentryDsn = "https://3deed77cdedc4d4b7762d8ffa3d747e5@o328351.ingest.sentry.io/0648595";
    public const int Retries = 3;
    public const string TraceId = "708bd166681c0576c2c96d971e71f9c0";
    public const int Retries = 3;
    public const string PosthogPersonalApiKey = "phx_EGiGeWrdaY1WrCdfSfFAnVMItrpYDqwnVqFWLAGEPtV";
}
