using System.Net;
using System.Net.Http.Headers;

namespace Handoff.Channels.Genesys;

/// <summary>
/// Adds <c>Authorization: Bearer</c> to every API call. On a 401 it forgets the cached token, fetches a fresh one and sends the
/// request once more (the content is buffered first so it can be sent twice). A second 401 is returned to the caller.
/// Sits inside the resilience handler, so each resilience attempt gets a current token.
/// </summary>
internal sealed class GenesysAuthHandler(GenesysTokenProvider tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is not null)
        {
            await request.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        }

        var token = await tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        response.Dispose();
        await tokens.InvalidateAsync(token, cancellationToken).ConfigureAwait(false);
        var fresh = await tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fresh);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
