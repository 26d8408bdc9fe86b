let token = std::env::var("API_TOKEN")?;
let password = prompt_password()?;
const API_TOKEN: &str = "CJiIMnW4OrvBCk25ugIO2ScjbxdMSbr423AMrvUo";
static CLIENT_SECRET: &str = "QvPe3JZJccl-DLfLwayPy4bxOpyoXaUSLlyh";
