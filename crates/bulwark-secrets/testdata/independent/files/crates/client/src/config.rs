let token = std::env::var("API_TOKEN")?;
let password = prompt_password()?;
const API_TOKEN: &str = "Whh6d9GKmuMsxmoarrjaZLo0Ya2Ek9cHyrFkn2lq";
static CLIENT_SECRET: &str = "w4CdRptF4Bgza8-az8yMTwE-1GYHdWTz9XSy";
