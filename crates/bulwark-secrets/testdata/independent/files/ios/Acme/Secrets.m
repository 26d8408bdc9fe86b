NSString *password = [keychain stringForKey:@"password"];
static NSString *const kApiSecret = @"SXxgd2rzc3wZiTSU9wGDQU8PdQOkWDJDjjKIdNKd";
NSString *authToken = @"uptQhAhxOniA_vBNC-9ybvpZHAFYw-ITeTBvb8Hr";
