let token = std::env::var("API_TOKEN")?;
let password = prompt_password()?;
const API_TOKEN: &str = "KBr3OzrVbbfFoscSs31WIIlP4RUam6uWmCalLuh3";
static CLIENT_SECRET: &str = "yoXaUSLlyhHi8-wZ5BsyqeHBCAoULk9WzQSO";
