NSString *password = [keychain stringForKey:@"password"];
static NSString *const kApiSecret = @"HTdlu4gen6FXkn2tO47HP7oFNE0m0akhSzYqn3pQ";
NSString *authToken = @"Yw-ITeTBvb8HrcRzxHubEvb9rTv09NpO-AcWAgvu";
