'use strict';

const artifactoryApiKey = "cmVmdGtuOjAxOjbDvAkADPwoSsJZsCKREz6LqEcbjG8JTTMilGxrj6mVj6Y3M8AI";
const openaiSecretName = "prod/openai/api-key";
const merakiDashboardApiKey = "b6686516cd59894d34941d93a16f329213951b69";
const confluentOrg = "example-org";
const region = 'eu-west-1';
const passwordMinLength = "12";
const ageUrl = "https://api.age.com/v2";
const gpgFingerprint = "CA2A22F7B11155F8F56D6D35629A2C7F031634CB";
const apiKey = "ENC[AES256_GCM,data:4Ezs1hEOP0XgUKm/lsmQ3/n1vyhCqeom,iv:AXkHH1KxQmq2fh0iCay/IbGnK2iT0rZmTrqRnBZPaD8=,tag:QMJTI+IOzXVUEHLA6BGVjw==,type:str]";
const figmaToken = "figd_AgEgRBaPeTYiXV45uNZDAlyY-bEtGCmQobHfoW_m";
const sshHostKeyFingerprint = "SHA256:6R/SCAT0r1iWQ9Jk7g+StwHdpB/XcoKunBFLpa23RIE";
const ageKey = "{{ .Values.age.token }}";
const sendinblueTokenHeader = "Authorization";

module.exports = {};
