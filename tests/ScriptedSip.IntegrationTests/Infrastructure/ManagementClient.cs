using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ScriptedSip.Host.Management;

namespace ScriptedSip.IntegrationTests.Infrastructure;

/// <summary>HTTP to a running host's management endpoint: raw requests and JSON-RPC calls.</summary>
public sealed class ManagementClient : IDisposable
{
    /// <summary>The argument that turns the endpoint on for a test host, on a free port.</summary>
    public const string EphemeralUrl = "--Management:Urls:0=http://127.0.0.1:0";

    private readonly HttpClient _http;
    private int _nextId;

    public ManagementClient(Uri baseUrl, string? token = null)
    {
        _http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public static ManagementClient For(RunningHost host, string? token = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        return new ManagementClient(UrlOf(host), token);
    }

    public static Uri UrlOf(RunningHost host) => host.Host.Services.GetRequiredService<ManagementServer>().Urls[0];

    public HttpClient Http => _http;

    public Task<HttpResponseMessage> GetAsync(string path) => _http.GetAsync(new Uri(path, UriKind.Relative));

    public Task<HttpResponseMessage> PostAsync(string path, string body) =>
        _http.PostAsync(new Uri(path, UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));

    /// <summary>POSTs <paramref name="body"/> to /rpc and parses the JSON answer (HTTP 200 required).</summary>
    public async Task<JsonElement> PostRpcAsync(string body)
    {
        using var response = await PostAsync("/rpc", body).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>One call; the whole answer object (with result or error).</summary>
    public Task<JsonElement> CallAsync(string method, object? parameters = null)
    {
        var request = new Dictionary<string, object?> { ["jsonrpc"] = "2.0", ["method"] = method, ["id"] = Interlocked.Increment(ref _nextId) };
        if (parameters is not null)
        {
            request["params"] = parameters;
        }

        return PostRpcAsync(JsonSerializer.Serialize(request));
    }

    /// <summary>One call that must succeed; its result.</summary>
    public async Task<JsonElement> ResultAsync(string method, object? parameters = null)
    {
        var answer = await CallAsync(method, parameters).ConfigureAwait(false);
        Assert.That(answer.TryGetProperty("result", out var result), Is.True, $"{method}: {answer}");
        return result;
    }

    /// <summary>One call that must fail; its error object.</summary>
    public async Task<JsonElement> ErrorAsync(string method, object? parameters = null)
    {
        var answer = await CallAsync(method, parameters).ConfigureAwait(false);
        Assert.That(answer.TryGetProperty("error", out var error), Is.True, $"{method} should fail: {answer}");
        return error;
    }

    public async Task<string> ScrapeAsync()
    {
        using var response = await GetAsync("/metrics").ConfigureAwait(false);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        return await response.Content.ReadAsStringAsync().ConfigureAwait(false);
    }

    /// <summary>The value of one sample line (<c>name{labels} value</c>) of a scrape; throws when absent.</summary>
    public static double Sample(string scrape, string series)
    {
        ArgumentNullException.ThrowIfNull(scrape);
        foreach (var line in scrape.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new AssertionException($"no series {series} in the scrape");
    }

    public void Dispose() => _http.Dispose();
}
