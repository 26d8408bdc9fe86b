$password = $input;
$token = $request->bearerToken();
$secret = config('services.stripe.secret');
$apiKey = env('MAILGUN_API_KEY');
$api_secret = 'FLu4EgQboWoDt9LxOv8zeo1BkAi0S8ao';
