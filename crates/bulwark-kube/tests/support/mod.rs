pub mod apiserver;
pub mod tls;
