$password = $input;
$token = $request->bearerToken();
$secret = config('services.stripe.secret');
$apiKey = env('MAILGUN_API_KEY');
$api_secret = 'tCVKUhRJb6FUCgjyRFXSXxgd2rzc3wZi';
