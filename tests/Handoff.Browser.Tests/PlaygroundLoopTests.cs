using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Handoff.Browser.Tests;

/// <summary>
/// The whole loop in a real (headless) browser: a user in the playground hands over to the Support queue, an agent at
/// the emulator's agent desk answers, the user ends the chat. Every hop crosses real HTTP: browser → API → emulator →
/// signed webhook → API → Server-Sent Events → browser.
/// </summary>
public sealed class PlaygroundLoopTests(BrowserStack stack) : IClassFixture<BrowserStack>
{
    private const float Timeout = 20_000;

    [Fact]
    public async Task A_user_in_the_playground_chats_with_an_agent_at_the_desk_and_ends_the_chat()
    {
        SetDefaultExpectTimeout(Timeout);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1360, Height = 820 },
            Locale = "en-US",
            TimezoneId = "UTC",
        });
        context.SetDefaultTimeout(Timeout);

        var playground = await context.NewPageAsync();
        var desk = await context.NewPageAsync();
        var pageErrors = new List<string>();
        playground.PageError += (_, error) => pageErrors.Add($"playground: {error}");
        desk.PageError += (_, error) => pageErrors.Add($"agent desk: {error}");

        try
        {
            // The user picks the Support queue, says who they are and hands over.
            await playground.GotoAsync(new Uri(stack.ApiAddress, "playground").ToString());
            await Expect(playground.Locator("#queue option", new() { HasText = "Support" })).ToHaveCountAsync(1);
            await playground.SelectOptionAsync("#queue", new SelectOptionValue { Label = "Support" });
            await playground.FillAsync("#nickname", "Maria P.");
            await playground.FillAsync("#first-name", "Maria");
            await playground.FillAsync("#last-name", "Perez");
            await playground.ClickAsync("#start");

            var transcript = playground.Locator("#transcript");
            await Expect(transcript.Locator(".msg.system", new() { HasText = "Waiting for an agent in Support" })).ToBeVisibleAsync();
            await Expect(playground.Locator("#status")).ToHaveTextAsync("Waiting for an agent");

            // The conversation reaches the agent desk, with the bot transcript and the attributes.
            await desk.GotoAsync(stack.Emulator.BaseAddress.ToString());
            var conversation = desk.Locator("#conversations [data-conversation-id]", new() { HasText = "Maria P." });
            await Expect(conversation).ToHaveCountAsync(1);
            await conversation.ClickAsync();
            await Expect(desk.Locator("#attributes")).ToContainTextAsync("A-1001");

            // The user writes; the agent sees it, and the user sees it delivered.
            const string question = "Hi! My order A-1001 never arrived.";
            await playground.Locator("#message").PressSequentiallyAsync(question);
            await playground.ClickAsync("#send");
            var userMessage = transcript.Locator(".msg.user", new() { HasText = question });
            await Expect(userMessage).ToBeVisibleAsync();
            await Expect(desk.Locator("#messages .message[data-direction='inbound']", new() { HasText = question })).ToBeVisibleAsync();
            await Expect(userMessage.Locator(".receipt")).ToHaveTextAsync("✓ Delivered");

            // The agent types (the user sees it), then replies (the user sees the reply, from the agent).
            const string reply = "Hello Maria, I'm Alex. Let me look into order A-1001 for you.";
            await desk.Locator("#reply").PressSequentiallyAsync(reply);
            await Expect(playground.Locator("#typing")).ToBeVisibleAsync();
            await Expect(playground.Locator("#typing")).ToContainTextAsync("is typing");
            await desk.ClickAsync("#send");
            await Expect(transcript.Locator(".msg.agent", new() { HasText = reply })).ToBeVisibleAsync();
            await Expect(playground.Locator("#status")).ToHaveTextAsync("Connected");
            await Expect(transcript.Locator(".msg.system", new() { HasText = "joined" })).ToBeVisibleAsync();
            await Expect(playground.Locator("#typing")).ToBeHiddenAsync();

            // One more turn each, then the pictures of both sides mid-conversation.
            const string followUp = "Thanks! It should have come last Tuesday.";
            await playground.Locator("#message").PressSequentiallyAsync(followUp);
            await playground.Locator("#message").PressAsync("Enter");
            await Expect(desk.Locator("#messages .message[data-direction='inbound']", new() { HasText = followUp })).ToBeVisibleAsync();
            await Expect(transcript.Locator(".msg.user", new() { HasText = followUp }).Locator(".receipt")).ToHaveTextAsync("✓ Delivered");
            const string secondReply = "I see it was held at the depot. I'll have it re-sent today.";
            await desk.FillAsync("#reply", secondReply);
            await desk.ClickAsync("#send");
            await Expect(transcript.Locator(".msg.agent", new() { HasText = secondReply })).ToBeVisibleAsync();
            await Expect(desk.Locator("#messages .message[data-direction='outbound']", new() { HasText = secondReply })).ToBeVisibleAsync();

            await playground.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.ArtifactPath("playground.png") });
            await desk.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.ArtifactPath("agent-desk.png") });
            Screenshots.PublishToDocs("playground.png", "agent-desk.png");

            // The user ends the chat: the playground says so and stops taking input.
            await playground.ClickAsync("#end");
            await Expect(transcript.Locator(".msg.system", new() { HasText = "ended" })).ToBeVisibleAsync();
            await Expect(playground.Locator("#status")).ToHaveTextAsync("Ended");
            await Expect(playground.Locator("#message")).ToBeDisabledAsync();
            await Expect(playground.Locator("#send")).ToBeDisabledAsync();
            await Expect(playground.Locator("#end")).ToBeDisabledAsync();
            await playground.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.ArtifactPath("playground-ended.png") });

            Assert.Empty(pageErrors);
        }
        catch
        {
            await SaveFailureScreenshotAsync(playground, "failure-playground.png");
            await SaveFailureScreenshotAsync(desk, "failure-agent-desk.png");
            throw;
        }
    }

    private static async Task SaveFailureScreenshotAsync(IPage page, string fileName)
    {
        try
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.ArtifactPath(fileName), FullPage = true, Timeout = 5_000 });
        }
        catch (PlaywrightException)
        {
            // The page is gone; the assertion's message says enough.
        }
    }
}
